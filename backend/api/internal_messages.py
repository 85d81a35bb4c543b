"""Internal API for the action server about secure messages, live handoff and contact data.

All routes need the shared bearer secret. The person is whoever is logged in on the conversation, so
a citizen can only ever reach their own threads.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import limits
from backend.api.auth import internal_only
from backend.api.internal import _conversation, _json_object
from backend.applications.login import login_url_for
from backend.conversations.service import current_person_cpr
from backend.errors import InvalidInput, TooManyRequests
from backend.inbox.live import request_handoff
from backend.messaging import service as messaging
from backend.messaging.hours import is_open
from backend.models.conversations import Conversation
from backend.models.messaging import SecureMessage, Thread

bp = Blueprint("internal_messages", url_prefix="/internal")

CITIZEN_MESSAGES_PER_WINDOW = 10
CITIZEN_WINDOW = timedelta(minutes=10)


async def _person(request: Request, cid: str, resume_intent: str) -> tuple[Conversation, str] | JSONResponse:
    """The conversation and its logged-in person; else the login answer, and `resume_intent` runs
    again after the login."""
    db = request.ctx.db
    conversation = await _conversation(db, cid)
    cpr = await current_person_cpr(db, conversation)
    if cpr is None:
        conversation.pending_intent = resume_intent
        await db.commit()
        return await _login_required(conversation, request)
    return conversation, cpr


async def _login_required(conversation: Conversation, request: Request) -> JSONResponse:
    """On SMS/Telegram the login URL is a new one-time link, stored in this transaction."""
    login_url = await login_url_for(request.ctx.db, conversation, request.app.ctx.settings)
    await request.ctx.db.commit()
    return json({"status": "login_required", "login_url": login_url})


@bp.get("/conversations/<cid:str>/messages")
@internal_only
async def read_messages(request: Request, cid: str) -> JSONResponse:
    db = request.ctx.db
    found = await _person(request, cid, "messages")
    if isinstance(found, JSONResponse):
        return found
    _, cpr = found
    messages = await messaging.citizen_reads(db, cpr)
    return json(
        {
            "status": "ok",
            "messages": [
                {"id": m.id, "from": "municipality", "text": m.text, "sent_at": _iso(m.created_at)}
                for m in messages
            ],
        }
    )


@bp.post("/conversations/<cid:str>/messages/reply")
@internal_only
async def reply(request: Request, cid: str) -> JSONResponse:
    db = request.ctx.db
    text = _json_object(request).get("text")
    conversation = await _conversation(db, cid)
    cpr = await current_person_cpr(db, conversation)
    if cpr is None:
        return await _login_required(conversation, request)
    settings = request.app.ctx.settings
    await limits.enforce(
        request.app, limits.citizen_messages(settings), cpr, message="too many messages today"
    )
    await _check_rate(db, cpr)
    message = await messaging.citizen_writes(db, cpr, text)  # type: ignore[arg-type]
    return json({"status": "ok", "id": message.id, "thread_id": message.thread_id}, status=201)


@bp.post("/conversations/<cid:str>/handoff")
@internal_only
async def handoff(request: Request, cid: str) -> JSONResponse:
    """Inside opening hours: into the live queue. Outside: the bot offers a secure message instead."""
    settings = request.app.ctx.settings
    db = request.ctx.db
    conversation = await _conversation(db, cid)
    if not is_open(settings.opening_hours, settings.timezone):
        return json({"status": "closed_hours"})
    person = await current_person_cpr(db, conversation) or f"conversation:{conversation.id}"
    await limits.enforce(
        request.app, limits.handoffs(settings), person, message="too many handoff requests today"
    )
    await request_handoff(db, cid)
    return json({"status": "queued"})


@bp.get("/conversations/<cid:str>/contact")
@internal_only
async def current_contact(request: Request, cid: str) -> JSONResponse:
    """Where notifications go now: the citizen's own data only, after eID login."""
    db = request.ctx.db
    found = await _person(request, cid, "change_contact_info")
    if isinstance(found, JSONResponse):
        return found
    _, cpr = found
    return json({"status": "ok", "contact": await messaging.current_contact(db, cpr)})


@bp.post("/conversations/<cid:str>/contact")
@internal_only
async def change_contact(request: Request, cid: str) -> JSONResponse:
    db = request.ctx.db
    body = _json_object(request)
    found = await _person(request, cid, "change_contact_info")
    if isinstance(found, JSONResponse):
        return found
    conversation, cpr = found
    for name in ("phone", "email"):
        if name in body and not isinstance(body[name], str):
            raise InvalidInput(f"{name} must be a string")
    preference = await messaging.change_contact(
        db,
        cpr,
        phone=body.get("phone"),
        email=body.get("email"),
        channels=body.get("channels"),
        language=conversation.language,
        changed_by="citizen",
        actor="citizen",
    )
    return json({"status": "ok", "contact": messaging.contact_record(preference)})


async def _check_rate(db: AsyncSession, cpr: str) -> None:
    since = datetime.now(UTC) - CITIZEN_WINDOW
    count = (
        await db.execute(
            select(func.count())
            .select_from(SecureMessage)
            .join(Thread, Thread.id == SecureMessage.thread_id)
            .where(
                Thread.person_cpr == cpr, SecureMessage.sender == "citizen", SecureMessage.created_at >= since
            )
        )
    ).scalar_one()
    if count >= CITIZEN_MESSAGES_PER_WINDOW:
        raise TooManyRequests("too many messages; try again later")


def _iso(moment: datetime) -> str:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()
