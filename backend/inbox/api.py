"""The caseworkers' JSON API under /api/caseworker (documented at /api/caseworker/openapi.json).

A case system can use it as the inbox pages do: log in (password + TOTP, or + a code by SMS), then send
the session cookie and, on every POST/PATCH/DELETE, the CSRF token in `X-CSRF-Token`.
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, json, raw

from backend import audit
from backend.channels import binding
from backend.config import Settings
from backend.cpr import normalise_cpr
from backend.dao.registers import dao_get_person
from backend.documents import service as documents
from backend.errors import Forbidden, InvalidInput, NotFound
from backend.inbox import admin, events, live, search, threads
from backend.inbox import applications as inbox_applications
from backend.inbox import casework_schemas as cs
from backend.inbox import schemas as s
from backend.inbox.auth import (
    authenticate,
    authenticate_for,
    clear_session_cookie,
    complete_login,
    logout,
    refuse_machine_token,
    send_sms_code,
    set_session_cookie,
    verify_credentials,
)
from backend.inbox.export import export_pdf, export_record
from backend.inbox.openapi import (
    ADMIN,
    CASEWORKER,
    PUBLIC,
    Content,
    document,
    operation,
    read_body,
    read_query,
    reply,
)
from backend.limits.address import client_address
from backend.messaging import service as messaging
from backend.models.states import ConversationOwner
from backend.outbox import service as outbox
from backend.phones import normalise_phone

bp = Blueprint("caseworker_api", url_prefix="/api/caseworker")
# The scope a machine client's Bearer token needs on a route served to it (`authenticate_for`); routes
# that call `authenticate` are for caseworkers only and refuse machine tokens (403).
READ, WRITE, MESSAGES = "applications:read", "applications:write", "messages:write"


def _settings(request: Request) -> Settings:
    return request.app.ctx.settings


def _body(request: Request) -> dict[str, Any]:
    """The JSON body as a plain object, for routes not yet described by a model (prefer `read_body`)."""
    return read_body(request, s.AnyObject).model_dump()


def _string(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(f"{name} is required and must be a string")
    return value


def _address(request: Request) -> str:
    return client_address(request)


# --- session -----------------------------------------------------------------------------------


@bp.post("/login")
@operation(
    "Log in with password and TOTP (or an SMS code: first {method: sms}, then {sms_code})",
    auth=PUBLIC,
    request=s.LoginRequest,
    responses={
        200: (s.LoginResult, s.CodeSent),
        400: "invalid input, or no phone number for SMS codes",
        401: "wrong username, password or code",
        403: "a machine client's Bearer token (caseworkers only)",
        429: "too many failed logins",
    },
)
async def login(request: Request) -> JSONResponse:
    refuse_machine_token(request)
    db, settings = request.ctx.db, _settings(request)
    body = read_body(request, s.LoginRequest)
    caseworker = await verify_credentials(db, body.username, body.password, settings, _address(request))
    if body.method == "sms" and not body.sms_code:
        return await _send_login_code(request, caseworker)
    result = await complete_login(
        db, caseworker, settings, _address(request), totp=body.totp, sms_code=body.sms_code
    )
    response = reply(
        s.LoginResult(
            caseworker=s.Caseworker.model_validate(admin.caseworker_record(caseworker)),
            csrf_token=result.csrf_token,
            expires_at=result.expires_at.isoformat(),
        )
    )
    set_session_cookie(response, result.token, settings)
    return response


async def _send_login_code(request: Request, caseworker: Any) -> JSONResponse:
    db = request.ctx.db
    if not caseworker.phone_e164:
        raise InvalidInput("no phone number for SMS codes; use the authenticator app", code="no_phone")
    from backend.inbox import mails
    from backend.outbox.service import enqueue

    code = await send_sms_code(db, caseworker)
    text = mails.login_code(caseworker.language, code)
    await enqueue(db, channel="sms", to=caseworker.phone_e164, text=text, kind="login_code")
    await db.commit()
    return reply(s.CodeSent(status="code_sent"))


@bp.post("/logout")
@operation("End the session", auth=CASEWORKER, responses={200: s.LoggedOut})
async def logout_route(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    await audit.record(request.ctx.db, actor=principal.actor, action="caseworker_logout")
    await logout(request.ctx.db, principal.session)
    response = reply(s.LoggedOut(status="logged_out"))
    clear_session_cookie(response, _settings(request))
    return response


@bp.get("/me")
@operation("The logged-in caseworker and the CSRF token", auth=CASEWORKER, responses={200: s.Me})
async def me(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    return reply(
        s.Me(
            caseworker=s.Caseworker.model_validate(admin.caseworker_record(principal.caseworker)),
            csrf_token=principal.session.csrf_token,
        )
    )


@bp.get("/openapi.json")
@operation("This description (OpenAPI 3.1)", auth=PUBLIC, responses={200: s.OpenApiDocument})
async def openapi(request: Request) -> JSONResponse:
    return json(document(request.app))


# --- applications ------------------------------------------------------------------------------


@bp.get("/applications")
@operation(
    "Applications with flags; with `q`, a search of current and historical applications and threads",
    auth=CASEWORKER,
    scopes=(READ,),
    query=s.ApplicationFilter,
    responses={200: (s.ApplicationList, cs.SearchResult)},
)
async def list_applications(request: Request) -> JSONResponse:
    principal = await authenticate_for(request, READ)
    query = read_query(request, s.ApplicationFilter)
    if query.q is not None:
        if principal.caseworker is None:
            raise Forbidden("search is for caseworkers", code="caseworkers_only")
        found = await search.search(request.ctx.db, principal.caseworker, query.q)
        return reply(cs.SearchResult.model_validate(found))
    which = query.filter
    items = await inbox_applications.list_applications(
        request.ctx.db, principal.caseworker, which, actor=principal.actor
    )
    return reply(s.ApplicationList.model_validate({"filter": which, "applications": items}))


@bp.get("/applications/<reference:str>")
@operation(
    "Detail: snapshot, confirmations, corrections, register data, contact, transcript, history, messages",
    auth=CASEWORKER,
    scopes=(READ,),
    responses={200: s.ApplicationDetail, 404: "no such application"},
)
async def application_detail(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate_for(request, READ)
    found = await inbox_applications.detail(
        request.ctx.db, principal.caseworker, reference, _settings(request), actor=principal.actor
    )
    return reply(s.ApplicationDetail.model_validate(found))


@bp.post("/applications/<reference:str>/assign")
@operation(
    "Assign or reassign (null: the shared queue)",
    auth=CASEWORKER,
    scopes=(WRITE,),
    request=s.AssignRequest,
    responses={200: s.Assigned, 400: "invalid input or unknown caseworker", 404: "no such application"},
)
async def assign(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate_for(request, WRITE)
    target = read_body(request, s.AssignRequest).caseworker_id
    application = await inbox_applications.assign(
        request.ctx.db, principal.caseworker, reference, target, actor=principal.actor
    )
    return reply(s.Assigned(reference=reference, assigned_caseworker_id=application.assigned_caseworker_id))


@bp.post("/applications/<reference:str>/take-over")
@operation(
    "Mark as taken over into the case system; answers the export",
    auth=CASEWORKER,
    scopes=(WRITE,),
    responses={200: s.TakenOver, 404: "no such application", 409: "already taken over"},
)
async def take_over(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate_for(request, WRITE)
    db = request.ctx.db
    application = await inbox_applications.take_over(db, principal.actor, reference, _settings(request))
    base = f"/api/caseworker/applications/{reference}"
    return reply(
        s.TakenOver(
            reference=reference,
            status=application.status,
            taken_over_at=inbox_applications.iso(application.taken_over_at),
            taken_over_by=principal.caseworker.username if principal.caseworker else principal.actor,
            export=s.Export.model_validate(await export_record(db, application)),
            export_json_url=f"{base}/export.json",
            export_pdf_url=f"{base}/export.pdf",
        )
    )


async def _exported(request: Request, reference: str, kind: str) -> dict[str, Any]:
    principal = await authenticate_for(request, READ)
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
@operation(
    "Export for the case system (JSON), with journaled messages",
    auth=CASEWORKER,
    scopes=(READ,),
    responses={200: s.Export, 404: "no such application"},
)
async def export_json(request: Request, reference: str) -> JSONResponse:
    record = await _exported(request, reference, "json")
    return reply(
        s.Export.model_validate(record),
        headers={"Content-Disposition": f'attachment; filename="{reference}.json"'},
    )


@bp.get("/applications/<reference:str>/export.pdf")
@operation(
    "Export for the case system (PDF), with journaled messages",
    auth=CASEWORKER,
    scopes=(READ,),
    responses={
        200: Content("application/pdf", "the export as PDF", {"type": "string", "format": "binary"}),
        404: "no such application",
    },
)
async def export_pdf_route(request: Request, reference: str) -> HTTPResponse:
    record = await _exported(request, reference, "pdf")
    # In the caseworker's language; a machine client (the case system) gets the default, Danish.
    language = None if request.ctx.principal.is_machine else request.ctx.principal.caseworker.language
    pdf = await documents.with_appendix(
        request.ctx.db, _settings(request), export_pdf(record, language), reference
    )
    return raw(
        pdf,
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{reference}.pdf"'},
    )


@bp.post("/applications/<reference:str>/decision")
@operation(
    "Record the decision, its date and the case system's reference; the citizen gets one neutral "
    "notification",
    auth=CASEWORKER,
    scopes=(WRITE,),
    request=s.DecisionRequest,
    responses={200: s.Decided, 409: "already decided"},
)
async def decision(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate_for(request, WRITE)
    body = read_body(request, s.DecisionRequest)
    application = await inbox_applications.decide(
        request.ctx.db,
        principal.actor,
        reference,
        _settings(request),
        body.decision,
        body.decided_on,
        body.case_reference,
    )
    return reply(
        s.Decided(
            reference=reference,
            status=application.status,
            decision=application.decision,
            decided_on=application.decided_on.isoformat() if application.decided_on else None,
            case_reference=application.case_reference,
        )
    )


@bp.post("/applications/<reference:str>/status")
@operation(
    "Set the status: received (the case system or a caseworker has it) or taken_over",
    auth=CASEWORKER,
    scopes=(WRITE,),
    request=s.StatusRequest,
    responses={200: s.StatusChanged, 409: "the status cannot move there (e.g. already decided)"},
)
async def set_status(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate_for(request, WRITE)
    body = read_body(request, s.StatusRequest)
    application = await inbox_applications.set_status(
        request.ctx.db, principal.actor, reference, _settings(request), body.status
    )
    return reply(s.StatusChanged(reference=reference, status=application.status))


# --- secure messages ---------------------------------------------------------------------------


@bp.post("/messages")
@operation(
    "Write a secure message; the citizen gets one neutral notification",
    auth=CASEWORKER,
    scopes=(MESSAGES,),
    request=s.MessageRequest,
    responses={201: s.MessageSent, 404: "no such person or application"},
)
async def send_message(request: Request) -> JSONResponse:
    principal = await authenticate_for(request, MESSAGES)
    db = request.ctx.db
    body = read_body(request, s.MessageRequest)
    cpr, reference = await messaging.resolve_recipient(
        db, cpr=body.cpr, application_reference=body.application_reference
    )
    message = await messaging.caseworker_writes(
        db,
        caseworker_id=principal.caseworker_id,
        actor=principal.actor,
        cpr=cpr,
        application_reference=reference,
        text=body.text,
        settings=_settings(request),
    )
    sent = s.MessageSent(
        id=message.id, thread_id=message.thread_id, sent_at=inbox_applications.iso(message.created_at)
    )
    return reply(sent, status=201)


@bp.get("/messages")
@operation(
    "Messages with a citizen, each with read_at and its notifications",
    auth=CASEWORKER,
    query=s.MessagesQuery,
    responses={200: s.MessageList, 404: "no such person or application"},
)
async def read_messages(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    db = request.ctx.db
    query = read_query(request, s.MessagesQuery)
    cpr, _ = await messaging.resolve_recipient(
        db, cpr=query.cpr, application_reference=query.application_reference
    )
    messages = await messaging.caseworker_reads(db, caseworker_id=principal.caseworker.id, cpr=cpr)
    return reply(s.MessageList.model_validate({"messages": messages}))


@bp.post("/messages/<message_id:int>/journal")
@operation(
    "Journal a message (included in the export)",
    auth=CASEWORKER,
    responses={200: s.Journaled, 404: "no such message"},
)
async def journal(request: Request, message_id: int) -> JSONResponse:
    principal = await authenticate(request)
    message = await messaging.journal(
        request.ctx.db, caseworker_id=principal.caseworker.id, message_id=message_id
    )
    return reply(s.Journaled(id=message.id, journaled=message.journaled))


@bp.get("/threads")
@operation(
    "Message threads, newest first (unanswered: the citizen wrote last; or all)",
    auth=CASEWORKER,
    query=s.ThreadFilter,
    responses={200: s.ThreadList},
)
async def list_threads(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    which = read_query(request, s.ThreadFilter).filter
    items = await threads.list_threads(request.ctx.db, principal.caseworker, _settings(request), which)
    return reply(s.ThreadList.model_validate({"filter": which, "threads": items}))


@bp.get("/threads/<thread_id:int>")
@operation(
    "A thread's citizen, every message with them (marks theirs read) and the notes on the person",
    auth=CASEWORKER,
    responses={200: s.ThreadDetail, 404: "no such thread"},
)
async def thread_detail(request: Request, thread_id: int) -> JSONResponse:
    principal = await authenticate(request)
    found = await threads.thread_detail(request.ctx.db, principal.caseworker, thread_id, _settings(request))
    return reply(s.ThreadDetail.model_validate(found))


@bp.get("/canned-texts")
@operation("Canned texts", auth=CASEWORKER, query=s.CannedQuery, responses={200: s.CannedTexts})
async def canned_texts(request: Request) -> JSONResponse:
    await authenticate(request)
    texts = await admin.list_canned(request.ctx.db, read_query(request, s.CannedQuery).language)
    return reply(s.CannedTexts.model_validate({"canned_texts": [admin.canned_record(t) for t in texts]}))


# --- live handoff ------------------------------------------------------------------------------


@bp.get("/live")
@operation("Conversations waiting for or owned by a person", auth=CASEWORKER, responses={200: s.LiveQueue})
async def live_queue(request: Request) -> JSONResponse:
    await authenticate(request)
    return reply(s.LiveQueue.model_validate({"conversations": await live.queue(request.ctx.db)}))


@bp.get("/live/<cid:str>")
@operation(
    "The conversation's recent transcript",
    auth=CASEWORKER,
    responses={200: s.LiveTranscript, 404: "no such conversation"},
)
async def live_transcript(request: Request, cid: str) -> JSONResponse:
    principal = await authenticate(request)
    messages = await live.transcript(request.ctx.db, principal.caseworker.id, cid)
    return reply(s.LiveTranscript.model_validate({"messages": messages}))


@bp.post("/live/<cid:str>/take")
@operation(
    "Take a waiting conversation",
    auth=CASEWORKER,
    responses={
        200: s.LiveOwner,
        404: "no such conversation",
        409: "someone else took it, or it is not waiting",
    },
)
async def live_take(request: Request, cid: str) -> JSONResponse:
    principal = await authenticate(request)
    await live.take(request.ctx.db, principal.caseworker.id, cid)
    return reply(
        s.LiveOwner(
            conversation_id=cid, owner=ConversationOwner.HUMAN, owner_caseworker_id=principal.caseworker.id
        )
    )


@bp.post("/live/<cid:str>/messages")
@operation(
    "Write into the conversation you own",
    auth=CASEWORKER,
    request=s.LiveWrite,
    responses={201: s.Created, 404: "no such conversation", 409: "the conversation is not yours"},
)
async def live_write(request: Request, cid: str) -> JSONResponse:
    principal = await authenticate(request)
    text = read_body(request, s.LiveWrite).text
    message = await live.write(request.ctx.db, principal.caseworker.id, cid, text)
    return reply(s.Created(id=message.id), status=201)


@bp.post("/live/<cid:str>/close")
@operation(
    "Hand the conversation back to the bot",
    auth=CASEWORKER,
    responses={200: s.LiveOwner, 404: "no such conversation", 409: "the conversation is not yours"},
)
async def live_close(request: Request, cid: str) -> JSONResponse:
    principal = await authenticate(request)
    await live.close(request.ctx.db, principal.caseworker.id, cid)
    return reply(s.LiveOwner(conversation_id=cid, owner=ConversationOwner.BOT))


# --- administration ----------------------------------------------------------------------------


@bp.get("/admin/caseworkers")
@operation("Caseworkers", auth=ADMIN, responses={200: s.CaseworkerList})
async def caseworkers(request: Request) -> JSONResponse:
    await authenticate(request, admin=True)
    found = [admin.caseworker_record(c) for c in await admin.list_caseworkers(request.ctx.db)]
    return reply(s.CaseworkerList.model_validate({"caseworkers": found}))


@bp.post("/admin/caseworkers")
@operation(
    "Create a caseworker (answers the TOTP secret once)",
    auth=ADMIN,
    request=s.NewCaseworker,
    responses={201: s.CreatedCaseworker, 400: "invalid input", 409: "the username is taken"},
)
async def create_caseworker(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    body = read_body(request, s.NewCaseworker)
    caseworker = await admin.create_caseworker(
        request.ctx.db,
        username=body.username,
        password=body.password,
        role=body.role,
        display_name=body.display_name,
        email=body.email,
        phone=body.phone,
        designated_for_digest=body.designated_for_digest,
        actor=principal.actor,
    )
    # The TOTP secret is shown once, at creation, for enrolment in an authenticator app.
    created = {**admin.caseworker_record(caseworker), "totp_secret": caseworker.totp_secret}
    return reply(s.CreatedCaseworker.model_validate(created), status=201)


@bp.patch("/admin/caseworkers/<caseworker_id:int>")
@operation(
    "Change role, digest designation, active, contact data, password",
    auth=ADMIN,
    request=s.CaseworkerChanges,
    responses={
        200: s.Caseworker,
        404: "no such caseworker",
        409: "the last active administrator cannot be deactivated or demoted",
    },
)
async def update_caseworker(request: Request, caseworker_id: int) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    changes = read_body(request, s.CaseworkerChanges).model_dump(exclude_unset=True)
    caseworker = await admin.update_caseworker(request.ctx.db, caseworker_id, changes, actor=principal.actor)
    return reply(s.Caseworker.model_validate(admin.caseworker_record(caseworker)))


@bp.get("/admin/routing-rules")
@operation("Routing rules by CPR birthday", auth=ADMIN, responses={200: s.RoutingRules})
async def routing_rules(request: Request) -> JSONResponse:
    await authenticate(request, admin=True)
    rules = [admin.rule_record(r) for r in await admin.list_rules(request.ctx.db)]
    return reply(s.RoutingRules.model_validate({"rules": rules}))


@bp.post("/admin/routing-rules")
@operation(
    "Add a rule {from: dd.mm, to: dd.mm, caseworker_id}",
    auth=ADMIN,
    request=s.NewRoutingRule,
    responses={201: s.RoutingRule, 400: "invalid dates or unknown caseworker"},
)
async def create_routing_rule(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    body = read_body(request, s.NewRoutingRule)
    rule = await admin.create_rule(
        request.ctx.db, start=body.from_, end=body.to, caseworker_id=body.caseworker_id, actor=principal.actor
    )
    return reply(s.RoutingRule.model_validate(admin.rule_record(rule)), status=201)


@bp.delete("/admin/routing-rules/<rule_id:int>")
@operation("Remove a rule", auth=ADMIN, responses={200: s.Deleted, 404: "no such rule"})
async def delete_routing_rule(request: Request, rule_id: int) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    await admin.delete_rule(request.ctx.db, rule_id, actor=principal.actor)
    return reply(s.Deleted(deleted=rule_id))


@bp.post("/admin/canned-texts")
@operation(
    "Add a canned text",
    auth=ADMIN,
    request=s.NewCannedText,
    responses={201: s.CannedText},
)
async def create_canned_text(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    body = read_body(request, s.NewCannedText)
    canned = await admin.create_canned(
        request.ctx.db, language=body.language, title=body.title, text=body.text, actor=principal.actor
    )
    return reply(s.CannedText.model_validate(admin.canned_record(canned)), status=201)


@bp.delete("/admin/canned-texts/<canned_id:int>")
@operation("Remove a canned text", auth=ADMIN, responses={200: s.Deleted, 404: "no such canned text"})
async def delete_canned_text(request: Request, canned_id: int) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    await admin.delete_canned(request.ctx.db, canned_id, actor=principal.actor)
    return reply(s.Deleted(deleted=canned_id))


@bp.get("/admin/audit")
@operation("The audit log, filtered", auth=ADMIN, query=s.AuditQuery, responses={200: s.AuditLog})
async def audit_log(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    query = read_query(request, s.AuditQuery)
    entries = await admin.read_audit(request.ctx.db, **query.model_dump(), reader=principal.actor)
    return reply(s.AuditLog.model_validate({"entries": entries}))


# --- live updates ------------------------------------------------------------------------------


@bp.get("/events")
@operation(
    "Server-sent events: application, message, live (counts only)",
    auth=CASEWORKER,
    query=s.EventsQuery,
    responses={200: Content("text/event-stream", "a stream of server-sent events")},
)
async def event_stream(request: Request) -> None:
    await authenticate(request)
    max_events = read_query(request, s.EventsQuery).max_events
    await request.ctx.db.close()  # the stream polls with its own short sessions
    request.ctx.db = None
    await events.stream(request, max_events=max_events)


# --- phone bindings (seed 002, "Inläggning av sökande") and the outbox for operators ------------


@bp.post("/bindings")
@operation(
    "Bind a phone number to a person whose identity was checked in person",
    auth=CASEWORKER,
    request=s.BindRequest,
    responses={201: s.Bound, 404: "no such person in the register"},
)
async def bind_phone_route(request: Request) -> JSONResponse:
    """The phone number may then use the assistant as that person for the SMS binding period. Audited."""
    principal = await authenticate(request)
    body = read_body(request, s.BindRequest)
    cpr, phone = normalise_cpr(body.cpr), normalise_phone(body.phone)
    if cpr is None or phone is None:
        raise InvalidInput("cpr must be a CPR number and phone a Greenlandic, Danish or Swedish number")
    db = request.ctx.db
    if await dao_get_person(db, cpr) is None:
        raise NotFound("no such person in the register")
    conversation = await binding.bind_phone(
        db, cpr, phone, _settings(request), actor=f"caseworker:{principal.caseworker.id}"
    )
    await db.commit()
    bound_until = conversation.bound_until.isoformat() if conversation.bound_until else None
    return reply(s.Bound(phone=phone, bound_until=bound_until), status=201)


@bp.post("/bindings/unbind")
@operation(
    "Unbind a phone number or Telegram chat",
    auth=CASEWORKER,
    request=s.UnbindRequest,
    responses={200: s.Unbound},
)
async def unbind_route(request: Request) -> JSONResponse:
    """The phone or chat no longer speaks for anyone."""
    principal = await authenticate(request)
    body = read_body(request, s.UnbindRequest)
    channel, address = body.channel, body.address
    if channel == "sms":
        address = normalise_phone(address) or ""
    if not address or len(address) > 64:
        raise InvalidInput("address must be a phone number (sms) or a chat id (telegram)")
    db = request.ctx.db
    count = await binding.unbind_address(db, channel, address, actor=f"caseworker:{principal.caseworker.id}")
    await db.commit()
    return reply(s.Unbound(unbound=count))


@bp.get("/admin/outbox")
@operation(
    "Outbound messages by state, without their text",
    auth=ADMIN,
    query=s.OutboxQuery,
    responses={200: s.OutboxList},
)
async def outbox_route(request: Request) -> JSONResponse:
    """Operators: outbound messages by state (`?status=failed`), without their text (it may be personal)."""
    await authenticate(request, admin=True)
    status = read_query(request, s.OutboxQuery).status or None
    messages = await outbox.list_messages(request.ctx.db, status=status, limit=200)
    listed = [
        {k: v for k, v in outbox.as_listing(m).items() if k not in ("text", "buttons", "to")}
        for m in messages
    ]
    return reply(s.OutboxList.model_validate({"messages": listed}))
