"""Internal API for the action server about resumable drafts: continue, start again, save answers.

All routes need the shared bearer secret. The person is whoever is logged in on the conversation, so
a conversation only ever reaches its own person's drafts. Asking to apply (`POST .../draft`, which
offers a draft with answers) is in backend/api/internal.py.
"""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import JSONResponse, json

from backend.api.auth import internal_only
from backend.api.internal import _conversation, _json_object, _login_required, draft_outcome_json
from backend.applications.drafts import continue_draft, restart_draft, save_answers
from backend.applications.service import as_utc
from backend.conversations.service import current_person_cpr

bp = Blueprint("internal_drafts", url_prefix="/internal")


@bp.post("/conversations/<cid:str>/draft/continue")
@internal_only
async def continue_(request: Request, cid: str) -> JSONResponse:
    """The citizen chose to continue: the draft with its answers (sections whose register facts changed
    are shown anew, their answers cleared), or a new draft when none is left to continue."""
    db, settings = request.ctx.db, request.app.ctx.settings
    conversation = await _conversation(db, cid)
    cpr = await current_person_cpr(db, conversation)
    if cpr is None:
        return await _login_required(db, conversation, settings, intent="apply")
    return json(draft_outcome_json(await continue_draft(db, conversation, cpr, settings=settings)))


@bp.post("/conversations/<cid:str>/draft/restart")
@internal_only
async def restart(request: Request, cid: str) -> JSONResponse:
    """The citizen chose to start again: the open drafts of the month are discarded, a new one prepared."""
    db, settings = request.ctx.db, request.app.ctx.settings
    conversation = await _conversation(db, cid)
    cpr = await current_person_cpr(db, conversation)
    if cpr is None:
        return await _login_required(db, conversation, settings, intent="apply")
    return json(draft_outcome_json(await restart_draft(db, conversation, cpr, settings=settings)))


@bp.put("/conversations/<cid:str>/draft/answers")
@internal_only
async def answers(request: Request, cid: str) -> JSONResponse:
    """`{"draft_id", "answers": {step: value}}`: the answers given so far replace the draft's.

    When the login has ended (a session or phone binding ran out), nothing is saved: the answer is
    to log in again, and after the login the application resumes with the offer to continue."""
    db, settings = request.ctx.db, request.app.ctx.settings
    body = _json_object(request)
    conversation = await _conversation(db, cid)
    cpr = await current_person_cpr(db, conversation)
    if cpr is None:
        return await _login_required(db, conversation, settings, intent="apply")
    draft = await save_answers(db, conversation, cpr, body.get("draft_id"), body.get("answers"))
    return json(
        {
            "status": "saved",
            "last_step": draft.last_step,
            "last_step_at": as_utc(draft.last_step_at).isoformat() if draft.last_step_at else None,
        }
    )
