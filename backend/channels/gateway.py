"""The channel-independent core of a citizen's turn, used by every channel (web, SMS, Telegram).

One turn: clean the text → store it in the transcript → if a caseworker owns the conversation, stop
there with a notice → resolve the language → run a pending intent if the citizen has logged in since
→ ask Rasa → store and return the bot's messages. The citizen never gets an empty answer, and a Rasa
failure never loses what the citizen wrote. Nothing is kept in process memory, and no database
transaction is open while Rasa is asked.

A web turn carries the widget's id for the message. The same turn sent again (the widget retries after a
network error; HAProxy resends a request whose web instance died before answering) is answered once:
with the stored answer when there is one, else by Rasa, which recognises a message id it has already
handled and repeats that turn's answer instead of taking the message a second time.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from sanic import Sanic
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.channels import rasa_client, texts
from backend.channels.rasa_client import RasaUnavailable
from backend.channels.types import BotMessage, Button
from backend.conversations import language as languages
from backend.conversations import service
from backend.errors import NotFound
from backend.models.conversations import ChatMessage, Conversation
from backend.models.states import ConversationOwner
from backend.nlg import translate

logger = logging.getLogger(__name__)

# What a pending intent (recorded by the internal API when login was required) sends to Rasa.
INTENT_PAYLOADS = {
    "apply": "/apply_housing_benefit",
    "status": "/check_status",
    "messages": "/read_messages",
    "change_contact_info": "/change_contact_info",
}
OWNER_NOTICES = {
    ConversationOwner.WAITING: texts.WAITING_FOR_CASEWORKER,
    ConversationOwner.HUMAN: texts.CASEWORKER_HAS_CONVERSATION,
    ConversationOwner.CLOSED: texts.CONVERSATION_CLOSED,
}
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")


def clean_text(text: str) -> str:
    """Line breaks unified to newline; other control and format characters (NUL, escape, bidi
    overrides, ...) removed; surrounding blanks stripped. HTML stays as it is: it is only ever text."""
    text = _LINE_BREAKS.sub("\n", text)
    text = "".join(
        c for c in text if c == "\n" or c == "\t" or unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co")
    )
    return text.replace("\t", " ").strip()


@dataclass(frozen=True)
class _Turn:
    language: str
    channel: str
    text: str
    messages: list[BotMessage] | None = None  # already answered (a notice, a repeat); Rasa is not asked
    intent_payload: str | None = None
    resent: bool = False  # stored before and never answered: Rasa may have taken it already


async def handle_citizen_message(
    app: Sanic,
    conversation_id: str,
    text: str,
    *,
    language_hint: str | None = None,
    client_message_id: str | None = None,
) -> list[BotMessage]:
    """One citizen message in, the bot's messages out (never an empty list). NotFound for an unknown id."""
    text = clean_text(text)
    turn = await _begin_turn(app, conversation_id, text, language_hint, client_message_id)
    if turn.messages is not None:
        return turn.messages

    replies: list[BotMessage] = []
    try:
        if turn.intent_payload is not None:
            replies += await rasa_client.send_message(
                app, conversation_id, turn.intent_payload, channel=turn.channel
            )
        replies += await rasa_client.send_message(
            app,
            conversation_id,
            turn.text,
            channel=turn.channel,
            message_id=client_message_id,
            resent=turn.resent,
        )
    except RasaUnavailable:
        if turn.intent_payload is not None and not replies:
            async with app.ctx.sessions() as db:
                await service.restore_pending_intent(db, conversation_id, _intent_of(turn.intent_payload))
                await db.commit()
        replies.append(BotMessage(translate(turn.language, texts.ASSISTANT_UNAVAILABLE)))
    if not replies:
        logger.warning("Rasa answered nothing in conversation %s", conversation_id)
        replies = [BotMessage(translate(turn.language, texts.TRY_AGAIN))]
    return await _store_bot_messages(app, conversation_id, replies, answering=client_message_id)


async def resume_pending_intent(app: Sanic, conversation_id: str) -> list[BotMessage]:
    """After a login: run the intent that was waiting for it (an empty list when nothing waits)."""
    async with app.ctx.sessions() as db:
        conversation = await service.get_conversation(db, conversation_id)
        if conversation is None:
            raise NotFound("unknown conversation")
        if (
            conversation.owner != ConversationOwner.BOT
            or await service.current_person_cpr(db, conversation) is None
        ):
            return []
        intent = await service.claim_pending_intent(db, conversation_id)
        await db.commit()
        language = languages.effective_language(conversation, app.ctx.settings.default_language)
        channel = conversation.channel
    if intent is None or intent not in INTENT_PAYLOADS:
        return []
    try:
        replies = await rasa_client.send_message(
            app, conversation_id, INTENT_PAYLOADS[intent], channel=channel
        )
    except RasaUnavailable:
        async with app.ctx.sessions() as db:
            await service.restore_pending_intent(db, conversation_id, intent)
            await db.commit()
        replies = [BotMessage(translate(language, texts.ASSISTANT_UNAVAILABLE))]
    replies = replies or [BotMessage(translate(language, texts.TRY_AGAIN))]
    return await _store_bot_messages(app, conversation_id, replies)


async def _begin_turn(
    app: Sanic, conversation_id: str, text: str, language_hint: str | None, client_message_id: str | None
) -> _Turn:
    """Everything before Rasa, in one short transaction that is committed before Rasa is asked."""
    settings = app.ctx.settings
    async with app.ctx.sessions() as db:
        conversation = await service.get_conversation(db, conversation_id)
        if conversation is None:
            raise NotFound("unknown conversation")
        channel = conversation.channel
        if len(text) > settings.max_message_chars:
            languages.apply_widget_hint(conversation, language_hint)
            await db.commit()
            language = languages.effective_language(conversation, settings.default_language)
            notice = translate(language, texts.TOO_LONG, limit=settings.max_message_chars)
            return _Turn(language, channel, text, messages=[BotMessage(notice)])
        if not text:
            language = languages.effective_language(conversation, settings.default_language)
            notice = translate(language, texts.EMPTY_MESSAGE)
            return _Turn(language, channel, text, messages=[BotMessage(notice)])

        if client_message_id is not None:
            earlier = await service.citizen_message_by_client_id(db, conversation_id, client_message_id)
            if earlier is not None:
                return await _same_turn_again(db, conversation, earlier, settings.default_language)
        try:
            await service.append_message(
                db, conversation_id, sender="citizen", text=text, client_message_id=client_message_id
            )
        except IntegrityError:
            # The same turn arrived twice at the same moment: the other request answers it.
            await db.rollback()
            language = languages.effective_language(conversation, settings.default_language)
            return _Turn(language, channel, text, messages=[BotMessage(translate(language, texts.TRY_AGAIN))])
        if conversation.owner != ConversationOwner.BOT:
            # A caseworker owns the conversation: the bot stays silent, the message waits for them.
            language = languages.effective_language(conversation, settings.default_language)
            notice = BotMessage(
                translate(language, OWNER_NOTICES.get(conversation.owner, texts.WAITING_FOR_CASEWORKER))
            )
            await service.append_message(db, conversation_id, sender="bot", text=notice.text)
            await db.commit()
            return _Turn(language, channel, text, messages=[notice])

        language = languages.resolve(
            conversation, text, language_hint=language_hint, default_language=settings.default_language
        )
        intent = None
        if (
            conversation.pending_intent in INTENT_PAYLOADS
            and await service.current_person_cpr(db, conversation) is not None
        ):
            intent = await service.claim_pending_intent(db, conversation_id)
        await db.commit()
    return _Turn(language, channel, text, intent_payload=INTENT_PAYLOADS.get(intent) if intent else None)


def _intent_of(payload: str) -> str:
    return next(intent for intent, sent in INTENT_PAYLOADS.items() if sent == payload)


async def _same_turn_again(
    db: AsyncSession, conversation: Conversation, earlier: ChatMessage, default_language: str
) -> _Turn:
    """A turn sent again: its stored answer; with none (the instance asking Rasa died), Rasa's, which
    repeats its answer if it took the message already. The text is the one stored the first time."""
    language = languages.effective_language(conversation, default_language)
    channel = conversation.channel
    answer = await service.bot_answer_to(db, earlier)
    if answer:
        return _Turn(language, channel, earlier.text, messages=_as_bot_messages(answer))
    if conversation.owner != ConversationOwner.BOT:
        notice = translate(language, OWNER_NOTICES.get(conversation.owner, texts.WAITING_FOR_CASEWORKER))
        return _Turn(language, channel, earlier.text, messages=[BotMessage(notice)])
    return _Turn(language, channel, earlier.text, resent=True)


def _as_bot_messages(rows: list[ChatMessage]) -> list[BotMessage]:
    return [
        BotMessage(row.text, [Button(b["title"], b["payload"]) for b in row.buttons or []]) for row in rows
    ]


async def _store_bot_messages(
    app: Sanic, conversation_id: str, messages: list[BotMessage], *, answering: str | None = None
) -> list[BotMessage]:
    """Store the bot's answer, unless a caseworker took the conversation while Rasa was thinking: then
    the answer is dropped and the citizen hears that a person has it (the bot never speaks over a
    person). The conversation row is locked, so a take waits for this commit or happened before it.
    When the turn (`answering`, its client message id) was answered meanwhile by a request carrying
    the same turn, that answer stands and nothing is stored twice. Returns what the citizen gets."""
    async with app.ctx.sessions() as db:
        conversation = await service.lock_conversation(db, conversation_id)
        if answering is not None:
            asked = await service.citizen_message_by_client_id(db, conversation_id, answering)
            stored = await service.bot_answer_to(db, asked) if asked is not None else []
            if stored:
                return _as_bot_messages(stored)
        if conversation is not None and conversation.owner in (
            ConversationOwner.HUMAN,
            ConversationOwner.CLOSED,
        ):
            logger.info(
                "conversation %s was taken during the bot's turn; its answer is dropped", conversation_id
            )
            language = languages.effective_language(conversation, app.ctx.settings.default_language)
            messages = [BotMessage(translate(language, OWNER_NOTICES[conversation.owner]))]
        for message in messages:
            await service.append_message(
                db, conversation_id, sender="bot", text=message.text, buttons=message.buttons_json()
            )
        await db.commit()
    return messages
