"""The Telegram channel: python-telegram-bot in webhook mode inside the backend.

`POST /webhooks/telegram` requires the `X-Telegram-Bot-Api-Secret-Token` header that was given to
setWebhook (403 otherwise), parses the update with PTB's `Update.de_json`, deduplicates on
`update_id`, and queues the text (or a button's callback data) for the inbound worker. A button press
is answered as a callback query, so the citizen's button stops spinning.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json as jsonlib
import logging

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, empty
from telegram import Update

from backend.channels import texts
from backend.channels.inbound import accept, record_handled
from backend.conversations import language as languages
from backend.errors import Forbidden, InvalidInput
from backend.nlg import translate
from backend.outbox.service import enqueue

log = logging.getLogger("inissiaq.telegram")
bp = Blueprint("telegram", url_prefix="/webhooks")

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 4096
# Telegram's own command when a chat starts; the assistant greets.
COMMANDS = {"/start": "/greet", "/help": "/help", "/stop": "/cancel"}


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
    if callback is not None and callback.message is not None and callback.data:
        chat_id = str(callback.message.chat.id)
        await accept(
            db,
            provider="telegram",
            external_id=update_id,
            channel="telegram",
            sender=chat_id,
            text=callback.data,
        )
        _answer_callback(request, callback.id)
    elif message is not None and message.chat is not None:
        chat_id = str(message.chat.id)
        if message.text:
            text = message.text[:MAX_TEXT_CHARS]
            text = COMMANDS.get(text.split("@")[0].strip().lower(), text)
            await accept(
                db, provider="telegram", external_id=update_id, channel="telegram", sender=chat_id, text=text
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
