"""The Telegram channel: python-telegram-bot in webhook mode inside the backend.

`POST /webhooks/telegram` requires the `X-Telegram-Bot-Api-Secret-Token` header that was given to
setWebhook (403 otherwise), parses the update with PTB's `Update.de_json`, deduplicates on
`update_id`, and queues the text (or a button's callback data) for the inbound worker. A button press
is answered as a callback query, so the citizen's button stops spinning.

Only private chats are served. A group, supergroup or channel is nobody's identity and its members
would read every answer, so an update from one gets a short neutral notice (at most one per chat per
`GROUP_NOTICE_EVERY`) and nothing else: no bot turn, no conversation, nothing stored of its text.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json as jsonlib
import logging
import unicodedata
from datetime import UTC, datetime, timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import CallbackQuery, Chat, Update, User

from backend.channels import texts
from backend.channels.inbound import accept, record_handled
from backend.channels.media import accept_media, telegram_refs
from backend.conversations import language as languages
from backend.db import upsert_insert
from backend.errors import Forbidden, InvalidInput
from backend.models.outbox import InboundMessage, OutboxMessage
from backend.models.states import InboundState
from backend.nlg import LANGUAGES, translate
from backend.outbox.service import enqueue

log = logging.getLogger("inissiaq.telegram")
bp = Blueprint("telegram", url_prefix="/webhooks")

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4096
# Telegram's own command when a chat starts; the assistant greets.
COMMANDS = {"/start": "/greet", "/help": "/help", "/stop": "/cancel"}
PRIVATE = "private"
GROUP_NOTICE_EVERY = timedelta(hours=1)
GROUP_NOTICE_KIND = "group_notice"
MAX_NAME_CHARS = 32


def _check_secret(request: Request) -> None:
    expected = request.app.ctx.settings.telegram_webhook_secret.reveal()
    given = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Forbidden("missing or wrong secret token", code="bad_secret")


def _parse(request: Request) -> Update:
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise InvalidInput("request body too large", code="too_large")
    try:
        data = jsonlib.loads(request.body or b"")
        update = Update.de_json(data, None) if isinstance(data, dict) else None
    except (ValueError, TypeError, KeyError) as error:
        raise InvalidInput("not a Telegram update") from error
    if update is None or not isinstance(update.update_id, int):
        raise InvalidInput("not a Telegram update")
    return update


@bp.post("/telegram")
async def webhook(request: Request) -> HTTPResponse:
    _check_secret(request)
    update = _parse(request)
    db = request.ctx.db
    update_id = str(update.update_id)
    callback = update.callback_query
    message = update.message or update.edited_message
    chat = _chat_of(update)
    if chat is not None and chat.type != PRIVATE:
        await _refuse_shared_chat(request, update, chat, callback)
        return empty(status=200)
    name = display_name(update.effective_user)
    if callback is not None and callback.message is not None and callback.data:
        chat_id = str(callback.message.chat.id)
        await accept(
            db,
            provider="telegram",
            external_id=update_id,
            channel="telegram",
            sender=chat_id,
            text=callback.data,
            sender_name=name,
        )
        _answer_callback(request, callback.id)
    elif message is not None and message.chat is not None:
        chat_id = str(message.chat.id)
        if message.text:
            text = message.text[:MAX_TEXT_CHARS]
            text = COMMANDS.get(text.split("@")[0].strip().lower(), text)
            await accept(
                db,
                provider="telegram",
                external_id=update_id,
                channel="telegram",
                sender=chat_id,
                text=text,
                sender_name=name,
            )
        elif media := telegram_refs(message):  # a photo or a document: stored as a document
            await accept_media(
                db, provider="telegram", external_id=update_id, channel="telegram", sender=chat_id, refs=media
            )
            if message.caption:
                await accept(
                    db,
                    provider="telegram",
                    external_id=update_id,
                    channel="telegram",
                    sender=chat_id,
                    text=message.caption[:MAX_TEXT_CHARS],
                    sender_name=name,
                )
        else:
            handled = await record_handled(
                db, provider="telegram", external_id=update_id, channel="telegram", sender=chat_id, text=""
            )
            if handled is not None:
                _, conversation = handled
                language = languages.effective_language(
                    conversation, request.app.ctx.settings.default_language
                )
                await enqueue(
                    db,
                    channel="telegram",
                    to=chat_id,
                    text=translate(language, texts.ONLY_TEXT),
                    kind="bot_reply",
                    conversation_id=conversation.id,
                )
                await db.commit()
    # Other update kinds (channel posts, member changes) are acknowledged and ignored.
    return empty(status=200)


def _chat_of(update: Update) -> Chat | None:
    """The chat an update comes from (a button press: the chat of the message with the button)."""
    if update.callback_query is not None:
        message = update.callback_query.message
        return message.chat if message is not None else None
    message = update.message or update.edited_message or update.channel_post or update.edited_channel_post
    return message.chat if message is not None else None


def display_name(user: User | None) -> str | None:
    """The first name and the last name's initial ("Aviaja L."), as the account holder set them,
    without control or formatting characters (which could reorder what the one-time link's page shows)."""
    if user is None or user.is_bot:
        return None
    first = _printable(user.first_name)[:MAX_NAME_CHARS].strip()
    last = _printable(user.last_name or "")
    if not first:
        return None
    return f"{first} {last[0]}." if last else first


def _printable(text: str) -> str:
    kept = "".join(c if unicodedata.category(c)[0] not in "CZ" else " " for c in text or "")
    return " ".join(kept.split())


async def _refuse_shared_chat(
    request: Request, update: Update, chat: Chat, callback: CallbackQuery | None
) -> None:
    """A group, supergroup or channel: a neutral notice, recorded under the update id so a retried
    update is not answered again, and at most one per chat per `GROUP_NOTICE_EVERY`."""
    db: AsyncSession = request.ctx.db
    chat_id = str(chat.id)
    if callback is not None:
        _answer_callback(request, callback.id)
    statement = (
        upsert_insert(db, InboundMessage)
        .values(
            provider="telegram",
            external_id=str(update.update_id),
            channel="telegram",
            sender=chat_id,
            text="",
            kind="ignored",
            status=InboundState.DONE,
            attempts=0,
            received_at=datetime.now(UTC),
            processed_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["provider", "external_id"])
        .returning(InboundMessage.id)
    )
    if (await db.execute(statement)).scalar_one_or_none() is None or await _noticed_lately(db, chat_id):
        await db.commit()
        return
    user = update.effective_user
    asked = (user.language_code or "")[:2].lower() if user is not None else ""
    language = asked if asked in LANGUAGES else request.app.ctx.settings.default_language
    await enqueue(
        db,
        channel="telegram",
        to=chat_id,
        text=translate(language, texts.PRIVATE_CHAT_ONLY),
        kind=GROUP_NOTICE_KIND,
    )
    await db.commit()


async def _noticed_lately(db: AsyncSession, chat_id: str) -> bool:
    since = datetime.now(UTC) - GROUP_NOTICE_EVERY
    found = await db.execute(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == "telegram",
            OutboxMessage.recipient == chat_id,
            OutboxMessage.kind == GROUP_NOTICE_KIND,
            OutboxMessage.created_at > since,
        )
        .limit(1)
    )
    return found.first() is not None


def _answer_callback(request: Request, callback_query_id: str) -> None:
    """Stop the button's spinner; best effort, outside the request (Telegram does not wait for it)."""
    client = getattr(request.app.ctx, "outbox_clients", {}).get("telegram")
    answer = getattr(client, "answer_callback_query", None)
    if answer is None:
        return

    async def _run() -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(answer(callback_query_id), timeout=5)

    request.app.add_task(_run())
