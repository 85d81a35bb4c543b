"""The web channel: the widget's JSON API under `/api/chat`, on the citizen's session cookie.

POST bodies must be `application/json` (415 otherwise): a cross-site page cannot send that with the
citizen's cookie without a CORS preflight we never allow, so this is also the CSRF protection.
"""

from __future__ import annotations

import json as jsonlib
import re
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, json

from backend import limits
from backend.auth import sessions
from backend.auth.login import end_session_url_for
from backend.channels import gateway, texts
from backend.conversations import language as languages
from backend.conversations import service as conversations
from backend.errors import DomainError, InvalidInput, RateLimited
from backend.models.conversations import Conversation, WebSession
from backend.nlg import LANGUAGES, translate
from backend.web import ui_texts

bp = Blueprint("web_chat", url_prefix="/api/chat")

# The widget's id of one message (32 random hex digits), sent again with the same message when it retries.
CLIENT_MESSAGE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
# Enough for max_message_chars of any text, each character escaped as \uXXXX\uXXXX, plus the envelope.
MAX_BODY_BYTES = 32 * 1024


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


@bp.post("/messages")
async def post_message(request: Request) -> JSONResponse:
    """`{"text", "language"?, "client_message_id"?}` → `{"conversation_id", "language", "messages":
    [{"text", "buttons"}]}`. The same `client_message_id` again gets the first answer, not a new turn."""
    body = _json_body(request)
    text = body.get("text")
    if not isinstance(text, str):
        raise InvalidInput("text is required and must be a string")
    language = body.get("language")
    if language is not None and language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    client_message_id = body.get("client_message_id")
    if client_message_id is not None and not (
        isinstance(client_message_id, str) and CLIENT_MESSAGE_ID.fullmatch(client_message_id)
    ):
        raise InvalidInput("client_message_id must be 8 to 64 letters, digits, '-' or '_'")
    ended = await _ended_answer(request, notice_in_messages=True)
    if ended is not None:
        return ended
    session, token = await _session(request, create=True, language=language)
    assert session is not None
    cid, eid_login = session.conversation_id, session.eid_login
    await request.ctx.db.commit()  # no transaction stays open while Rasa is asked
    await _count_turn(request, cid)
    messages = await gateway.handle_citizen_message(
        request.app, cid, text, language_hint=language, client_message_id=client_message_id
    )
    answer: dict[str, Any] = {
        "conversation_id": cid,
        "language": await _language_of(request, cid),
        "messages": [m.as_json() for m in messages],
        "authenticated": session.person_cpr is not None,
    }
    if not await sessions.exists(request.ctx.db, session):  # the citizen logged out in the chat
        answer.update(authenticated=False, session_ended=True)
        end_session_url = await end_session_url_for(request, eid_login)  # as POST /auth/logout does
        if end_session_url:
            answer["end_session_url"] = end_session_url
        response = _with_cookie(request, json(answer), None)
        sessions.clear_cookie(response)
        return response
    return _with_cookie(request, json(answer), token)


@bp.get("/history")
async def history(request: Request) -> JSONResponse:
    """The transcript of this session's conversation only (`?after=<id>` for the newer messages)."""
    try:
        after = int(request.args.get("after", "0"))
    except ValueError as error:
        raise InvalidInput("after must be a number") from error
    ended = await _ended_answer(request, notice_in_messages=False)
    if ended is not None:
        return ended
    session, token = await _session(request, create=False, active=False)
    if session is None:
        return json({"conversation_id": None, "language": None, "messages": [], "authenticated": False})
    db = request.ctx.db
    rows = await conversations.transcript(db, session.conversation_id, after_id=max(after, 0))
    answer = {
        "conversation_id": session.conversation_id,
        "language": await _language_of(request, session.conversation_id),
        "authenticated": session.person_cpr is not None,
        "messages": [
            {
                "id": row.id,
                "sender": row.sender,
                "text": row.text,
                "buttons": row.buttons or [],
                "created_at": row.created_at.isoformat(),
            }
            for row in rows
        ],
    }
    await db.commit()
    return _with_cookie(request, json(answer), token)


@bp.post("/resume")
async def resume(request: Request) -> JSONResponse:
    """After a login: run what the citizen asked for before it (an empty list when nothing waits)."""
    _json_body(request, allow_empty=True)
    ended = await _ended_answer(request, notice_in_messages=True)
    if ended is not None:
        return ended
    session, token = await _session(request, create=False)
    if session is None:
        return json({"conversation_id": None, "language": None, "messages": [], "authenticated": False})
    cid = session.conversation_id
    await request.ctx.db.commit()
    await _count_turn(request, cid)
    messages = await gateway.resume_pending_intent(request.app, cid)
    answer = {
        "conversation_id": cid,
        "language": await _language_of(request, cid),
        "messages": [m.as_json() for m in messages],
        "authenticated": session.person_cpr is not None,
    }
    return _with_cookie(request, json(answer), token)


async def _session(
    request: Request, *, create: bool, language: str | None = None, active: bool = True
) -> tuple[WebSession | None, str | None]:
    """The request's session and the cookie to (re)send, if any. A missing, forged or expired cookie
    gives a new anonymous conversation (`create`; at most `new_sessions_per_minute` per client
    address, else 429 in `language`) or nothing: never the old conversation. Only the citizen's own
    activity (`active`) keeps a logged-in session alive, not the widget's polling."""
    db, settings = request.ctx.db, request.app.ctx.settings
    session = await sessions.load_session(db, request)
    if session is None:
        if not create:
            return None, None
        notice = translate(language or settings.default_language, texts.TOO_MANY_MESSAGES)
        await limits.enforce(
            request.app, limits.new_sessions(settings), limits.client_address(request), message=notice
        )
        session, token = await sessions.start_anonymous(db, settings)
        await db.commit()
        return session, token
    if (active or session.person_cpr is None) and await sessions.slide(db, settings, session):
        await db.commit()
        return session, request.cookies.get(sessions.COOKIE)
    return session, None


async def _ended_answer(request: Request, *, notice_in_messages: bool) -> JSONResponse | None:
    """The answer when this browser's login ended for inactivity (once; the cookie is cleared): a
    notice to log in again, and nothing of the old conversation."""
    db = request.ctx.db
    cid = await sessions.take_ended(db, request)
    if cid is None:
        return None
    await db.commit()
    language = await _language_of(request, cid)
    notice = {
        "text": translate(language, ui_texts.SESSION_ENDED),
        "buttons": [{"title": translate(language, ui_texts.LOG_IN_AGAIN), "payload": "/auth/login"}],
    }
    answer: dict[str, Any] = {"conversation_id": None, "language": language, "messages": []}
    answer.update(authenticated=False, session_ended=True)
    if notice_in_messages:
        answer["messages"] = [notice]
    else:
        answer["notice"] = notice
    response = _with_cookie(request, json(answer), None)
    sessions.clear_cookie(response)
    return response


async def _count_turn(request: Request, cid: str) -> None:
    """One turn of the session's conversation; over `chat_messages_per_minute` a 429 (in the
    conversation's language) before Rasa is asked."""
    hit = await limits.hit(request.app, limits.chat_messages(request.app.ctx.settings), cid)
    if not hit.allowed:
        notice = translate(await _language_of(request, cid), texts.TOO_MANY_MESSAGES)
        raise RateLimited(notice, retry_after=hit.retry_after)


def _with_cookie(request: Request, response: HTTPResponse, token: str | None) -> HTTPResponse:
    if token:
        sessions.set_cookie(response, request.app.ctx.settings, token)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _language_of(request: Request, cid: str) -> str:
    conversation = await request.ctx.db.get(Conversation, cid, populate_existing=True)
    settings = request.app.ctx.settings
    if conversation is None:
        return settings.default_language
    return languages.effective_language(conversation, settings.default_language)


def _json_body(request: Request, *, allow_empty: bool = False) -> dict[str, Any]:
    content_type = (request.content_type or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("Content-Type must be application/json")
    raw = request.body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body must be at most {MAX_BODY_BYTES} bytes")
    if allow_empty and not raw.strip():
        return {}
    try:
        body = jsonlib.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("request body must be JSON", code="invalid_json") from error
    if not isinstance(body, dict):
        raise InvalidInput("request body must be a JSON object", code="invalid_json")
    return body
