"""Documents sent by MMS (Twilio) and on Telegram (a photo or a document).

The webhook stores only references to the files (`kind="media"`, the references as JSON in the
inbound row's text, deduplicated on the provider's id + ":media") and answers at once. The inbound
worker then fetches each file through `backend/clients/media.py`, checks and stores it for the person
logged in on the phone or chat (`documents.service.receive`), and answers in the conversation's
language: a confirmation per file, or why it was not accepted. Without a login the citizen gets a
one-time login link and nothing is fetched.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from sanic import Sanic
from sqlalchemy.ext.asyncio import AsyncSession

from backend.applications.login import create_link
from backend.channels.inbound import accept, send_replies
from backend.channels.types import BotMessage, Button
from backend.clients.media import MediaTooLarge, MediaUnavailable, media_client
from backend.conversations import service as conversations
from backend.conversations.language import effective_language
from backend.documents import service as documents
from backend.documents import texts
from backend.documents.checks import DocumentRefused, human_size
from backend.models.conversations import Conversation
from backend.models.outbox import InboundMessage
from backend.models.states import InboundState
from backend.nlg import N_, translate

log = logging.getLogger("inissiaq.channels.media")
MEDIA_KIND = "media"
MAX_FILES = 10  # Twilio's own limit per MMS
LOG_IN = N_("Log in")


async def accept_media(
    db: AsyncSession,
    *,
    provider: str,
    external_id: str,
    channel: str,
    sender: str,
    refs: list[dict[str, Any]],
) -> int | None:
    """Queue the references of the files one message carried (committed); None for a replay. Its own
    row beside the message's text (if any), deduplicated on the provider's id + ":media"."""
    return await accept(
        db,
        provider=provider,
        external_id=f"{external_id}:media",
        channel=channel,
        sender=sender,
        text=json.dumps(refs[:MAX_FILES]),
        kind=MEDIA_KIND,
    )


def twilio_refs(params: dict[str, str]) -> list[dict[str, Any]]:
    """The MediaUrl0..N of an MMS webhook (NumMedia of them, at most MAX_FILES)."""
    try:
        count = min(int(params.get("NumMedia") or 0), MAX_FILES)
    except ValueError:
        return []
    refs = []
    for index in range(count):
        url = params.get(f"MediaUrl{index}")
        if url:
            refs.append(
                {"url": url[:500], "content_type": (params.get(f"MediaContentType{index}") or "")[:100]}
            )
    return refs


def telegram_refs(message: Any) -> list[dict[str, Any]]:
    """A photo (its largest size) or a document of a Telegram message."""
    if message.document is not None:
        document = message.document
        return [
            {
                "file_id": document.file_id,
                "filename": (document.file_name or "")[:200],
                "size": document.file_size,
            }
        ]
    if message.photo:
        largest = message.photo[-1]
        return [{"file_id": largest.file_id, "filename": "photo.jpg", "size": largest.file_size}]
    return []


async def handle(app: Sanic, message_id: int, cid: str, payload: str, channel: str) -> bool:
    """Fetch, check and store each file of one inbound media message and answer; the row is done."""
    settings = app.ctx.settings
    try:
        refs = [r for r in json.loads(payload or "[]") if isinstance(r, dict)]
    except ValueError:
        refs = []
    async with app.ctx.sessions() as db:
        conversation = await db.get(Conversation, cid)
        if conversation is None:
            return await _done(db, message_id)
        language = effective_language(conversation, settings.default_language)
        cpr = await conversations.current_person_cpr(db, conversation)
        if cpr is None:
            link = await create_link(db, conversation, settings)
            reply = BotMessage(
                translate(language, texts.LOGIN_FIRST), [Button(translate(language, LOG_IN), link)]
            )
            await send_replies(db, conversation, [reply])
            return await _done(db, message_id)
        await db.commit()
    replies = []
    client = media_client(settings, channel)
    for ref in refs:
        replies.append(await _one(app, client, ref, cpr=cpr, cid=cid, channel=channel, language=language))
    async with app.ctx.sessions() as db:
        conversation = await db.get(Conversation, cid)
        if conversation is not None:
            for reply in replies:
                await conversations.append_message(db, cid, sender="bot", text=reply.text)
            await send_replies(db, conversation, replies)
        return await _done(db, message_id)


async def _one(
    app: Sanic, client: Any, ref: dict[str, Any], *, cpr: str, cid: str, channel: str, language: str
) -> BotMessage:
    settings = app.ctx.settings
    try:
        data = await client.fetch(ref, max_bytes=settings.upload_max_bytes)
    except MediaTooLarge:
        return BotMessage(translate(language, texts.TOO_LARGE, limit=human_size(settings.upload_max_bytes)))
    except MediaUnavailable as error:
        log.warning("a %s file could not be fetched: %s", channel, error)
        return BotMessage(translate(language, texts.NOT_FETCHED))
    filename = ref.get("filename") or ("mms" + _extension(str(ref.get("content_type") or "")))
    try:
        async with app.ctx.sessions() as db:
            attachment = await documents.receive(
                db, settings, cpr=cpr, data=data, filename=filename, channel=channel, conversation_id=cid
            )
    except DocumentRefused as refused:
        return BotMessage(translate(language, refused.msgid, **refused.arguments))
    return BotMessage(translate(language, texts.RECEIVED, filename=attachment.filename))


def _extension(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png"}.get(content_type.split(";")[0].strip(), ".jpg")


async def _done(db: AsyncSession, message_id: int) -> bool:
    row = await db.get(InboundMessage, message_id)
    if row is not None:
        row.status = InboundState.DONE
    await db.commit()
    return True
