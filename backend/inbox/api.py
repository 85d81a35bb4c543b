"""The caseworkers' JSON API under /api/caseworker (documented at /api/caseworker/openapi.json).

A case system can use it as the inbox pages do: log in (password + TOTP, or + a code by SMS), then send
the session cookie and, on every POST/PATCH/DELETE, the CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, json, raw

from backend import audit
from backend.channels import binding
from backend.config import Settings
from backend.cpr import normalise_cpr
from backend.dao.registers import dao_get_person
from backend.errors import InvalidInput, NotFound
from backend.inbox import admin, events, live, threads
from backend.inbox import applications as inbox_applications
from backend.inbox.auth import (
    authenticate,
    clear_session_cookie,
    complete_login,
    logout,
    send_sms_code,
    set_session_cookie,
    verify_credentials,
)
from backend.inbox.export import export_pdf, export_record
from backend.inbox.openapi import OPENAPI
from backend.limits.address import client_address
from backend.messaging import service as messaging
from backend.outbox import service as outbox
from backend.phones import normalise_phone

bp = Blueprint("caseworker_api", url_prefix="/api/caseworker")
MAX_BODY_BYTES = 64 * 1024


def _settings(request: Request) -> Settings:
    return request.app.ctx.settings


def _body(request: Request) -> dict[str, Any]:
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise InvalidInput("request body too large", code="too_large")
    try:
        body = jsonlib.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("request body must be JSON") from exc
    if not isinstance(body, dict):
        raise InvalidInput("request body must be a JSON object")
    return body


def _string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{name} is required and must be a string")
    return value


def _address(request: Request) -> str:
    return client_address(request)


# --- session -----------------------------------------------------------------------------------


@bp.post("/login")
async def login(request: Request) -> JSONResponse:
    """{"username", "password", "totp"} or {"username", "password", "sms_code"}; or
    {"username", "password", "method": "sms"} to have a code sent to the caseworker's phone."""
    db, settings = request.ctx.db, _settings(request)
    body = _body(request)
    username, password = _string(body, "username"), _string(body, "password")
    caseworker = await verify_credentials(db, username, password, settings, _address(request))
    if body.get("method") == "sms" and not body.get("sms_code"):
        return await _send_login_code(request, caseworker)
    totp, sms_code = body.get("totp"), body.get("sms_code")
    result = await complete_login(
        db,
        caseworker,
        settings,
        _address(request),
        totp=totp if isinstance(totp, str) else None,
        sms_code=sms_code if isinstance(sms_code, str) else None,
    )
    response = json(
        {
            "caseworker": admin.caseworker_record(caseworker),
            "csrf_token": result.csrf_token,
            "expires_at": result.expires_at.isoformat(),
        }
    )
    set_session_cookie(response, result.token, settings)
    return response


async def _send_login_code(request: Request, caseworker: Any) -> JSONResponse:
    db = request.ctx.db
    if not caseworker.phone_e164:
        raise InvalidInput("no phone number for SMS codes; use the authenticator app", code="no_phone")
    from backend.outbox.service import enqueue

    code = await send_sms_code(db, caseworker)
    await enqueue(db, channel="sms", to=caseworker.phone_e164, text=f"Inissiaq: {code}", kind="login_code")
    await db.commit()
    return json({"status": "code_sent"})


@bp.post("/logout")
async def logout_route(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    await audit.record(request.ctx.db, actor=principal.actor, action="caseworker_logout")
    await logout(request.ctx.db, principal.session)
    response = json({"status": "logged_out"})
    clear_session_cookie(response, _settings(request))
    return response


@bp.get("/me")
async def me(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    return json(
        {
            "caseworker": admin.caseworker_record(principal.caseworker),
            "csrf_token": principal.session.csrf_token,
        }
    )


@bp.get("/openapi.json")
async def openapi(request: Request) -> JSONResponse:
    return json(OPENAPI)


# --- applications ------------------------------------------------------------------------------


@bp.get("/applications")
async def list_applications(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    which = request.args.get("filter", "all")
    items = await inbox_applications.list_applications(request.ctx.db, principal.caseworker, which)
    return json({"filter": which, "applications": items})


@bp.get("/applications/<reference:str>")
async def application_detail(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate(request)
    return json(
        await inbox_applications.detail(request.ctx.db, principal.caseworker, reference, _settings(request))
    )


@bp.post("/applications/<reference:str>/assign")
async def assign(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate(request)
    target = _body(request).get("caseworker_id")
    if target is not None and (not isinstance(target, int) or isinstance(target, bool)):
        raise InvalidInput("caseworker_id must be a number or null")
    application = await inbox_applications.assign(request.ctx.db, principal.caseworker, reference, target)
    return json({"reference": reference, "assigned_caseworker_id": application.assigned_caseworker_id})


@bp.post("/applications/<reference:str>/take-over")
async def take_over(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate(request)
    db = request.ctx.db
    application = await inbox_applications.take_over(db, principal.caseworker, reference)
    base = f"/api/caseworker/applications/{reference}"
    return json(
        {
            "reference": reference,
            "status": application.status,
            "taken_over_at": inbox_applications.iso(application.taken_over_at),
            "taken_over_by": principal.caseworker.username,
            "export": await export_record(db, application),
            "export_json_url": f"{base}/export.json",
            "export_pdf_url": f"{base}/export.pdf",
        }
    )


async def _exported(request: Request, reference: str, kind: str) -> dict[str, Any]:
    principal = await authenticate(request)
    db = request.ctx.db
    application = await inbox_applications.get_application(db, reference)
    record = await export_record(db, application)
    await audit.record(
        db,
        actor=principal.actor,
        action="application_exported",
        person_cpr=application.person_cpr,
        application_reference=reference,
        details={"format": kind},
    )
    await db.commit()
    return record


@bp.get("/applications/<reference:str>/export.json")
async def export_json(request: Request, reference: str) -> JSONResponse:
    record = await _exported(request, reference, "json")
    return json(record, headers={"Content-Disposition": f'attachment; filename="{reference}.json"'})


@bp.get("/applications/<reference:str>/export.pdf")
async def export_pdf_route(request: Request, reference: str) -> HTTPResponse:
    record = await _exported(request, reference, "pdf")
    return raw(
        export_pdf(record),
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{reference}.pdf"'},
    )


@bp.post("/applications/<reference:str>/decision")
async def decision(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate(request)
    body = _body(request)
    application = await inbox_applications.decide(
        request.ctx.db, principal.caseworker, reference, body.get("decision"), body.get("decided_on")
    )
    return json(
        {
            "reference": reference,
            "status": application.status,
            "decision": application.decision,
            "decided_on": application.decided_on.isoformat() if application.decided_on else None,
        }
    )


# --- secure messages ---------------------------------------------------------------------------


@bp.post("/messages")
async def send_message(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    db = request.ctx.db
    body = _body(request)
    cpr, reference = await messaging.resolve_recipient(
        db,
        cpr=body.get("cpr") if isinstance(body.get("cpr"), str) else None,
        application_reference=body.get("application_reference")
        if isinstance(body.get("application_reference"), str)
        else None,
    )
    message = await messaging.caseworker_writes(
        db,
        caseworker_id=principal.caseworker.id,
        cpr=cpr,
        application_reference=reference,
        text=body.get("text"),  # type: ignore[arg-type]
        settings=_settings(request),
    )
    return json(
        {
            "id": message.id,
            "thread_id": message.thread_id,
            "sent_at": inbox_applications.iso(message.created_at),
        },
        status=201,
    )


@bp.get("/messages")
async def read_messages(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    db = request.ctx.db
    cpr, _ = await messaging.resolve_recipient(
        db, cpr=request.args.get("cpr"), application_reference=request.args.get("application_reference")
    )
    return json(
        {"messages": await messaging.caseworker_reads(db, caseworker_id=principal.caseworker.id, cpr=cpr)}
    )


@bp.post("/messages/<message_id:int>/journal")
async def journal(request: Request, message_id: int) -> JSONResponse:
    principal = await authenticate(request)
    message = await messaging.journal(
        request.ctx.db, caseworker_id=principal.caseworker.id, message_id=message_id
    )
    return json({"id": message.id, "journaled": message.journaled})


@bp.get("/threads")
async def list_threads(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    which = request.args.get("filter", "unanswered")
    items = await threads.list_threads(request.ctx.db, principal.caseworker, _settings(request), which)
    return json({"filter": which, "threads": items})


@bp.get("/threads/<thread_id:int>")
async def thread_detail(request: Request, thread_id: int) -> JSONResponse:
    principal = await authenticate(request)
    return json(
        await threads.thread_detail(request.ctx.db, principal.caseworker, thread_id, _settings(request))
    )


@bp.get("/canned-texts")
async def canned_texts(request: Request) -> JSONResponse:
    await authenticate(request)
    texts = await admin.list_canned(request.ctx.db, request.args.get("language"))
    return json({"canned_texts": [admin.canned_record(t) for t in texts]})


# --- live handoff ------------------------------------------------------------------------------


@bp.get("/live")
async def live_queue(request: Request) -> JSONResponse:
    await authenticate(request)
    return json({"conversations": await live.queue(request.ctx.db)})


@bp.get("/live/<cid:str>")
async def live_transcript(request: Request, cid: str) -> JSONResponse:
    principal = await authenticate(request)
    return json({"messages": await live.transcript(request.ctx.db, principal.caseworker.id, cid)})


@bp.post("/live/<cid:str>/take")
async def live_take(request: Request, cid: str) -> JSONResponse:
    principal = await authenticate(request)
    await live.take(request.ctx.db, principal.caseworker.id, cid)
    return json({"conversation_id": cid, "owner": "human", "owner_caseworker_id": principal.caseworker.id})


@bp.post("/live/<cid:str>/messages")
async def live_write(request: Request, cid: str) -> JSONResponse:
    principal = await authenticate(request)
    message = await live.write(request.ctx.db, principal.caseworker.id, cid, _body(request).get("text"))  # type: ignore[arg-type]
    return json({"id": message.id}, status=201)


@bp.post("/live/<cid:str>/close")
async def live_close(request: Request, cid: str) -> JSONResponse:
    principal = await authenticate(request)
    await live.close(request.ctx.db, principal.caseworker.id, cid)
    return json({"conversation_id": cid, "owner": "bot"})


# --- administration ----------------------------------------------------------------------------


@bp.get("/admin/caseworkers")
async def caseworkers(request: Request) -> JSONResponse:
    await authenticate(request, admin=True)
    return json(
        {"caseworkers": [admin.caseworker_record(c) for c in await admin.list_caseworkers(request.ctx.db)]}
    )


@bp.post("/admin/caseworkers")
async def create_caseworker(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    body = _body(request)
    caseworker = await admin.create_caseworker(
        request.ctx.db,
        username=_string(body, "username"),
        password=_string(body, "password"),
        role=body.get("role", "caseworker"),
        display_name=str(body.get("display_name") or ""),
        email=body.get("email") if isinstance(body.get("email"), str) else None,
        phone=body.get("phone") if isinstance(body.get("phone"), str) else None,
        designated_for_digest=body.get("designated_for_digest") is True,
        actor=principal.actor,
    )
    # The TOTP secret is shown once, at creation, for enrolment in an authenticator app.
    return json({**admin.caseworker_record(caseworker), "totp_secret": caseworker.totp_secret}, status=201)


@bp.patch("/admin/caseworkers/<caseworker_id:int>")
async def update_caseworker(request: Request, caseworker_id: int) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    caseworker = await admin.update_caseworker(
        request.ctx.db, caseworker_id, _body(request), actor=principal.actor
    )
    return json(admin.caseworker_record(caseworker))


@bp.get("/admin/routing-rules")
async def routing_rules(request: Request) -> JSONResponse:
    await authenticate(request, admin=True)
    return json({"rules": [admin.rule_record(r) for r in await admin.list_rules(request.ctx.db)]})


@bp.post("/admin/routing-rules")
async def create_routing_rule(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    body = _body(request)
    rule = await admin.create_rule(
        request.ctx.db,
        start=body.get("from"),
        end=body.get("to"),
        caseworker_id=body.get("caseworker_id"),
        actor=principal.actor,
    )
    return json(admin.rule_record(rule), status=201)


@bp.delete("/admin/routing-rules/<rule_id:int>")
async def delete_routing_rule(request: Request, rule_id: int) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    await admin.delete_rule(request.ctx.db, rule_id, actor=principal.actor)
    return json({"deleted": rule_id})


@bp.post("/admin/canned-texts")
async def create_canned_text(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    body = _body(request)
    canned = await admin.create_canned(
        request.ctx.db,
        language=body.get("language"),
        title=body.get("title"),
        text=body.get("text"),
        actor=principal.actor,
    )
    return json(admin.canned_record(canned), status=201)


@bp.delete("/admin/canned-texts/<canned_id:int>")
async def delete_canned_text(request: Request, canned_id: int) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    await admin.delete_canned(request.ctx.db, canned_id, actor=principal.actor)
    return json({"deleted": canned_id})


@bp.get("/admin/audit")
async def audit_log(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    args = request.args
    entries = await admin.read_audit(
        request.ctx.db,
        actor=args.get("actor"),
        action=args.get("action"),
        cpr=args.get("cpr"),
        reference=args.get("reference"),
        since=args.get("since"),
        until=args.get("until"),
        reader=principal.actor,
    )
    return json({"entries": entries})


# --- live updates ------------------------------------------------------------------------------


@bp.get("/events")
async def event_stream(request: Request) -> None:
    await authenticate(request)
    await request.ctx.db.close()  # the stream polls with its own short sessions
    request.ctx.db = None
    max_events = request.args.get("max_events")
    await events.stream(request, max_events=int(max_events) if max_events and max_events.isdigit() else None)


# --- phone bindings (seed 002, "Inläggning av sökande") and the outbox for operators ------------


@bp.post("/bindings")
async def bind_phone_route(request: Request) -> JSONResponse:
    """`{"cpr", "phone"}`: the caseworker checked the citizen's identity in person; the phone number may
    then use the assistant as that person for the SMS binding period. Audited."""
    principal = await authenticate(request)
    body = _body(request)
    cpr, phone = normalise_cpr(_string(body, "cpr")), normalise_phone(_string(body, "phone"))
    if cpr is None or phone is None:
        raise InvalidInput("cpr must be a CPR number and phone a Greenlandic, Danish or Swedish number")
    db = request.ctx.db
    if await dao_get_person(db, cpr) is None:
        raise NotFound("no such person in the register")
    conversation = await binding.bind_phone(
        db, cpr, phone, _settings(request), actor=f"caseworker:{principal.caseworker.id}"
    )
    await db.commit()
    return json(
        {
            "phone": phone,
            "bound_until": conversation.bound_until.isoformat() if conversation.bound_until else None,
        },
        status=201,
    )


@bp.post("/bindings/unbind")
async def unbind_route(request: Request) -> JSONResponse:
    """`{"channel": "sms"|"telegram", "address"}`: the phone or chat no longer speaks for anyone."""
    principal = await authenticate(request)
    body = _body(request)
    channel, address = _string(body, "channel"), _string(body, "address")
    if channel not in ("sms", "telegram"):
        raise InvalidInput("channel must be sms or telegram")
    if channel == "sms":
        address = normalise_phone(address) or ""
    if not address or len(address) > 64:
        raise InvalidInput("address must be a phone number (sms) or a chat id (telegram)")
    db = request.ctx.db
    count = await binding.unbind_address(db, channel, address, actor=f"caseworker:{principal.caseworker.id}")
    await db.commit()
    return json({"unbound": count})


@bp.get("/admin/outbox")
async def outbox_route(request: Request) -> JSONResponse:
    """Operators: outbound messages by state (`?status=failed`), without their text (it may be personal)."""
    await authenticate(request, admin=True)
    status = request.args.get("status") or None
    messages = await outbox.list_messages(request.ctx.db, status=status, limit=200)
    return json(
        {
            "messages": [
                {k: v for k, v in outbox.as_listing(m).items() if k not in ("text", "buttons", "to")}
                for m in messages
            ]
        }
    )
