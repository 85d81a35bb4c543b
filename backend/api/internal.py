"""The backend's internal API for the action server (docs/architecture.md, "Backend internal API").

Every route requires the shared bearer secret. The action server learns who is logged in only from
here, by conversation id.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit, limits
from backend.api.auth import internal_only
from backend.applications.corrections import MAX_TEXT_CHARS, clean_text
from backend.applications.drafts import DraftContinued, DraftResumable, start_application
from backend.applications.login import login_url_for
from backend.applications.service import (
    AlreadyApplied,
    DraftAlreadyApplied,
    DraftOutcome,
    DraftReady,
    DraftReferral,
    application_summary,
    status_for_person,
    submit,
)
from backend.applications.status import citizen_timeline, timeline
from backend.auth import sessions
from backend.config import Settings
from backend.conversations.service import current_person_cpr, unbind_person
from backend.errors import InvalidInput, NotFound
from backend.messaging.service import citizen_writes
from backend.models.conversations import Conversation

bp = Blueprint("internal", url_prefix="/internal")

LANGUAGES = ("kl", "da", "sv")
MAX_BODY_BYTES = 32 * 1024


@bp.get("/conversations/<cid:str>")
@internal_only
async def get_conversation(request: Request, cid: str) -> JSONResponse:
    conversation = await _conversation(request.ctx.db, cid)
    return json(
        {
            "conversation_id": conversation.id,
            "channel": conversation.channel,
            "language": conversation.language or _settings(request).default_language,
            "authenticated": await current_person_cpr(request.ctx.db, conversation) is not None,
        }
    )


@bp.post("/conversations/<cid:str>/draft")
@internal_only
async def create_draft(request: Request, cid: str) -> JSONResponse:
    db, settings = request.ctx.db, _settings(request)
    conversation = await _conversation(db, cid)
    cpr = await current_person_cpr(request.ctx.db, conversation)
    if cpr is None:
        return await _login_required(db, conversation, settings, intent="apply")
    await limits.enforce(
        request.app, limits.applications(settings), cpr, message="too many applications today"
    )
    outcome = await start_application(db, conversation, cpr, settings=settings)
    return json(draft_outcome_json(outcome))


def draft_outcome_json(outcome: DraftOutcome | DraftResumable) -> dict[str, Any]:
    """The answer of the draft routes here and in backend/api/internal_drafts.py (docs/architecture.md)."""
    if isinstance(outcome, DraftResumable):
        return {
            "status": outcome.status,
            "started_on": outcome.started_on.isoformat(),
            "last_step": outcome.draft.last_step,
        }
    if isinstance(outcome, DraftReady):
        body: dict[str, Any] = {
            "status": outcome.status,
            "draft_id": outcome.draft.id,
            "register_phone": outcome.register_phone,
            "display": outcome.display,
        }
        if isinstance(outcome, DraftContinued):
            body |= {
                "continued": True,
                "started_on": outcome.started_on.isoformat(),
                "answers": outcome.draft.answers,
                "register_changed": list(outcome.register_changed),
            }
        return body
    if isinstance(outcome, DraftReferral):
        return {
            "status": outcome.status,
            "reason": outcome.reason,
            "manual_form_url": outcome.manual_form_url,
        }
    assert isinstance(outcome, DraftAlreadyApplied)
    return {"status": outcome.status, "application": application_summary(outcome.application)}


@bp.post("/applications")
@internal_only
async def submit_application(request: Request) -> JSONResponse:
    db, settings = request.ctx.db, _settings(request)
    body = _json_object(request)
    conversation_id = _field(body, "conversation_id", str)
    draft_id = _field(body, "draft_id", str)
    dwelling_confirmed = _field(body, "dwelling_confirmed", bool)
    household_confirmed = _field(body, "household_confirmed", bool)
    phone = _field(body, "phone", str)
    conversation = await _conversation(db, conversation_id)
    cpr = await current_person_cpr(request.ctx.db, conversation)
    if cpr is None:
        login_url = await login_url_for(db, conversation, settings)
        await db.commit()
        return json({"status": "login_required", "login_url": login_url}, 401)
    try:
        submission = await submit(
            db,
            conversation=conversation,
            person_cpr=cpr,
            draft_id=draft_id,
            dwelling_confirmed=dwelling_confirmed,
            household_confirmed=household_confirmed,
            corrections=body.get("corrections", []),
            phone=phone,
            settings=settings,
        )
    except AlreadyApplied as exc:
        return json({"error": exc.code, "application": application_summary(exc.application)}, status=409)
    return json(application_summary(submission.application), status=201 if submission.created else 200)


@bp.get("/conversations/<cid:str>/status")
@internal_only
async def application_status(request: Request, cid: str) -> JSONResponse:
    db, settings = request.ctx.db, _settings(request)
    conversation = await _conversation(db, cid)
    cpr = await current_person_cpr(request.ctx.db, conversation)
    if cpr is None:
        return await _login_required(db, conversation, settings, intent="status")
    application = await status_for_person(db, cpr)
    if application is None:
        return json({"status": "none"})
    events = citizen_timeline(await timeline(db, application.id))
    return json({"status": "found", "application": {**application_summary(application), "timeline": events}})


@bp.post("/conversations/<cid:str>/language")
@internal_only
async def set_language(request: Request, cid: str) -> JSONResponse:
    db = request.ctx.db
    body = _json_object(request)
    language = _field(body, "language", str)
    if language not in LANGUAGES:
        raise InvalidInput(f"language must be one of {', '.join(LANGUAGES)}")
    conversation = await _conversation(db, cid)
    conversation.language = language
    conversation.language_source = "explicit"
    await db.commit()
    return json({"language": language})


@bp.post("/conversations/<cid:str>/logout")
@internal_only
async def logout(request: Request, cid: str) -> JSONResponse:
    """The citizen said "log out": the conversation (a web session, a phone or a Telegram chat) is no
    longer bound to the person, and on the web the browser's session ends as with `POST /auth/logout`
    (the widget's next request has no session: no transcript, a new conversation). Idempotent."""
    db = request.ctx.db
    conversation = await _conversation(db, cid)
    await sessions.end_for_conversation(db, conversation.id)
    if conversation.person_cpr is not None:
        await audit.record(
            db,
            actor="citizen",
            action="channel_unbound",
            person_cpr=conversation.person_cpr,
            details={"conversation": cid, "channel": conversation.channel},
        )
        await unbind_person(db, conversation)
    await db.commit()
    return json({"status": "logged_out"})


@bp.post("/conversations/<cid:str>/citizen-messages")
@internal_only
async def leave_citizen_message(request: Request, cid: str) -> JSONResponse:
    """A message from the citizen to the municipality: a new secure-message thread or a reply."""
    db, settings = request.ctx.db, _settings(request)
    body = _json_object(request)
    text = clean_text(_field(body, "text", str))
    if not text:
        raise InvalidInput("text must not be empty")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"text must be at most {MAX_TEXT_CHARS} characters")
    conversation = await _conversation(db, cid)
    cpr = await current_person_cpr(request.ctx.db, conversation)
    if cpr is None:
        login_url = await login_url_for(db, conversation, settings)
        await db.commit()
        return json({"status": "login_required", "login_url": login_url}, 401)
    await limits.enforce(
        request.app, limits.citizen_messages(settings), cpr, message="too many messages today"
    )
    await audit.record(
        db, actor="citizen", action="citizen_message_left", person_cpr=cpr, details={"conversation": cid}
    )
    message = await citizen_writes(db, cpr, text)
    return json({"thread_id": message.thread_id}, status=201)


def _settings(request: Request) -> Settings:
    return request.app.ctx.settings


async def _conversation(db: AsyncSession, cid: str) -> Conversation:
    conversation = await db.get(Conversation, cid) if len(cid) <= 64 else None
    if conversation is None:
        raise NotFound("unknown conversation")
    return conversation


async def _login_required(
    db: AsyncSession, conversation: Conversation, settings: Settings, *, intent: str
) -> JSONResponse:
    conversation.pending_intent = intent
    login_url = await login_url_for(db, conversation, settings)
    await db.commit()
    return json({"status": "login_required", "login_url": login_url})


def _json_object(request: Request) -> dict[str, Any]:
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise InvalidInput(f"request body must be at most {MAX_BODY_BYTES} bytes", code="too_large")
    try:
        body = jsonlib.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("request body must be JSON") from exc
    if not isinstance(body, dict):
        raise InvalidInput("request body must be a JSON object")
    return body


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    value = body.get(name)
    # bool is a subclass of int, and JSON true must not pass as a string or number (nor the reverse).
    if value is None or not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise InvalidInput(f"{name} is required and must be a {_TYPE_NAMES.get(kind, kind.__name__)}")
    return value


_TYPE_NAMES = {str: "string", bool: "boolean", int: "number", list: "list"}
