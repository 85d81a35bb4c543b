"""`POST /internal/nlg`: Rasa's NLG endpoint. Every response Rasa utters is rendered here.

Request (Rasa 3.6): `{"response", "arguments", "id", "tracker": {"sender_id", ...}, "channel": {"name"}}`.
Answer: `{"text", "buttons": [{"title", "payload"}]}` in the conversation's language. Rasa posts the
whole tracker on every response; only `sender_id` is read from it (cost measured in docs/texts.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.api.auth import internal_only
from backend.config import Settings
from backend.errors import InvalidInput
from backend.models.conversations import Conversation
from backend.nlg import render_response
from backend.nlg.locales import supported

logger = logging.getLogger(__name__)

bp = Blueprint("nlg", url_prefix="/internal")


@bp.post("/nlg")
@internal_only
async def nlg(request: Request) -> JSONResponse:
    settings: Settings = request.app.ctx.settings
    body = _body(request)
    arguments = body.get("arguments")
    arguments = dict(arguments) if isinstance(arguments, Mapping) else {}
    tracker = body.get("tracker") if isinstance(body.get("tracker"), Mapping) else {}
    channel = body.get("channel") if isinstance(body.get("channel"), Mapping) else {}

    stored_language, stored_channel = await _conversation_facts(request.ctx.db, tracker.get("sender_id"))
    override = arguments.get("language")
    language = override if supported(override) else stored_language or settings.default_language
    if not arguments.get("manual_form_url"):
        arguments["manual_form_url"] = settings.manual_form_url

    response = body.get("response")
    message = render_response(
        response if isinstance(response, str) else "",
        language,
        arguments,
        stored_channel or channel.get("name"),
    )
    return json(message.as_json())


def _body(request: Request) -> Mapping[str, Any]:
    try:
        body = request.json
    except Exception as error:  # Sanic raises its own BadRequest subclasses for broken JSON
        raise InvalidInput("the body must be a JSON object") from error
    if not isinstance(body, Mapping):
        raise InvalidInput("the body must be a JSON object")
    return body


async def _conversation_facts(db: AsyncSession, sender_id: Any) -> tuple[str | None, str | None]:
    """The stored language and channel of the conversation; (None, None) when unknown or unreadable."""
    if not isinstance(sender_id, str) or not sender_id:
        return None, None
    try:
        row = (
            await db.execute(
                select(Conversation.language, Conversation.channel).where(Conversation.id == sender_id)
            )
        ).one_or_none()
    except SQLAlchemyError:
        # Rendering in the default language beats an empty reply; the failure is still visible in the log.
        logger.exception("could not read the conversation's language; using the default language")
        return None, None
    if row is None:
        return None, None
    language, channel = row
    return (language if supported(language) else None), channel
