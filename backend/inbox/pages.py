"""Server-rendered inbox pages under /inbox, built on the same services as the JSON API.

Every value goes through `e()` (html.escape) — above all what a citizen wrote — and every form carries
the session's CSRF token (the login form a double-submit token of its own).
"""

from __future__ import annotations

import html
import secrets
from collections.abc import Awaitable, Callable
from functools import wraps
from pathlib import Path
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sanic.response import html as html_response

from backend.errors import DomainError, Forbidden, InvalidInput, Unauthorized
from backend.inbox import admin, live, threads
from backend.inbox import applications as inbox_applications
from backend.inbox.auth import (
    CSRF_FIELD,
    Principal,
    authenticate,
    clear_session_cookie,
    complete_login,
    logout,
    set_session_cookie,
    verify_credentials,
)
from backend.limits.address import client_address
from backend.messaging import service as messaging

bp = Blueprint("inbox_pages", url_prefix="/inbox")
bp.static("/static", str(Path(__file__).parent / "static"), name="inbox_static")

LOGIN_CSRF_COOKIE = "inissiaq_cw_login"
FLAG_LABELS = {
    "dwelling_disputed": "dwelling said wrong",
    "household_disputed": "household said wrong",
    "rooms_exceed_persons": "rooms > persons + 1",
    "outside_usual_month": "outside the usual month",
}


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def page(title: str, body: str, principal: Principal | None = None, *, status: int = 200) -> HTTPResponse:
    nav = ""
    if principal is not None:
        admin_link = '<a href="/inbox/admin">Administration</a>' if principal.caseworker.is_admin else ""
        nav = (
            '<a href="/inbox">Applications</a> <a href="/inbox/messages">Messages</a> <a href="/inbox/live">Live</a> '
            f"{admin_link} <span>{e(principal.caseworker.username)}</span>"
            f'<form class="inline" method="post" action="/inbox/logout">{csrf_field(principal)}'
            '<button type="submit">Log out</button></form>'
        )
    # Signed-in pages follow the server-sent events and update without a reload.
    live_script = '<script src="/inbox/static/live-updates.js" defer></script>' if principal else ""
    live_status = '<p id="live-status" role="status" aria-live="polite"></p>' if principal else ""
    document = (
        '<!doctype html><html lang="da"><head><meta charset="utf-8">'
        f"<title>{e(title)} · inissiaq</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="csrf-token" content="{e(principal.session.csrf_token) if principal else ""}">'
        '<link rel="stylesheet" href="/inbox/static/inbox.css">'
        f"{live_script}</head><body>"
        f"<header><strong>inissiaq</strong> {nav}</header>"
        f"{live_status}<main><h1>{e(title)}</h1>{body}</main></body></html>"
    )
    response = html_response(document, status=status)
    response.headers["Content-Security-Policy"] = "default-src 'self'; frame-ancestors 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response


def csrf_field(principal: Principal) -> str:
    return f'<input type="hidden" name="{CSRF_FIELD}" value="{e(principal.session.csrf_token)}">'


Page = Callable[..., Awaitable[HTTPResponse]]


def signed_in(*, admin_only: bool = False) -> Callable[[Page], Page]:
    """Authenticate (CSRF on POST); without a session, go to the login page; errors as a page."""

    def decorate(handler: Page) -> Page:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            try:
                principal = await authenticate(request, admin=admin_only)
            except Unauthorized:
                return redirect("/inbox/login")
            except Forbidden as exc:
                return page("Forbidden", f'<p class="error">{e(exc)}</p>', status=403)
            try:
                return await handler(request, principal, *args, **kwargs)
            except DomainError as exc:
                db = request.ctx.db
                await db.rollback()  # expires every loaded object: load the principal's again
                await db.refresh(principal.caseworker)
                await db.refresh(principal.session)
                return page("Not possible", f'<p class="error">{e(exc)}</p>', principal, status=exc.status)

        return wrapper

    return decorate


def form_value(request: Request, name: str) -> str:
    return (request.form.get(name) or "").strip()


# --- login -------------------------------------------------------------------------------------


@bp.get("/login")
async def login_page(request: Request) -> HTTPResponse:
    token = secrets.token_urlsafe(24)
    body = (
        '<form method="post" action="/inbox/login">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">'
        '<p><label>Username <input name="username" autocomplete="username" required></label></p>'
        '<p><label>Password <input name="password" type="password" autocomplete="current-password" required></label></p>'
        '<p><label>Code from the authenticator app <input name="totp" inputmode="numeric" autocomplete="one-time-code" required></label></p>'
        '<p><button type="submit">Log in</button></p></form>'
    )
    response = page("Caseworker login", body)
    settings = request.app.ctx.settings
    response.add_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=not settings.development,
        path="/inbox",
    )
    return response


@bp.post("/login")
async def login_submit(request: Request) -> HTTPResponse:
    settings = request.app.ctx.settings
    sent, expected = form_value(request, CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not sent or not secrets.compare_digest(sent, expected):
        return page(
            "Caseworker login",
            '<p class="error">The form expired. <a href="/inbox/login">Try again</a>.</p>',
            status=403,
        )
    address = client_address(request)
    try:
        caseworker = await verify_credentials(
            request.ctx.db,
            form_value(request, "username"),
            form_value(request, "password"),
            settings,
            address,
        )
        result = await complete_login(
            request.ctx.db, caseworker, settings, address, totp=form_value(request, "totp")
        )
    except DomainError as exc:
        return page(
            "Caseworker login",
            f'<p class="error">{e(exc)}</p><p><a href="/inbox/login">Try again</a></p>',
            status=exc.status,
        )
    response = redirect("/inbox")
    set_session_cookie(response, result.token, settings)
    return response


@bp.post("/logout")
@signed_in()
async def logout_submit(request: Request, principal: Principal) -> HTTPResponse:
    await logout(request.ctx.db, principal.session)
    response = redirect("/inbox/login")
    clear_session_cookie(response, request.app.ctx.settings)
    return response


# --- applications ------------------------------------------------------------------------------


@bp.get("/")
@signed_in()
async def index(request: Request, principal: Principal) -> HTTPResponse:
    which = request.args.get("filter", "new")
    items = await inbox_applications.list_applications(request.ctx.db, principal.caseworker, which)
    tabs = " · ".join(
        f'<a href="/inbox?filter={f}">{f.replace("_", " ")}</a>' for f in inbox_applications.FILTERS
    )
    rows = "".join(
        "<tr>"
        f'<td><a href="/inbox/applications/{e(i["reference"])}">{e(i["reference"])}</a></td>'
        f"<td>{e(i['name'])}</td><td>{e(i['submitted_at'])}</td><td>{e(i['language'])}</td>"
        f"<td>{e(i['channel'])}</td><td>{e(i['status'])}</td>"
        f"<td>{''.join(f'<span class=flag>{e(FLAG_LABELS.get(f, f))}</span>' for f in i['flags'])}</td>"
        "</tr>"
        for i in items
    )
    body = (
        f"<p>{tabs}</p><table><thead><tr><th>Reference</th><th>Name</th><th>Submitted</th><th>Language</th>"
        f"<th>Channel</th><th>Status</th><th>Flags</th></tr></thead><tbody>{rows}</tbody></table>"
        f"{'' if items else '<p>No applications.</p>'}"
    )
    return page("Applications", body, principal)


def _facts_table(snapshot: dict[str, Any], register: dict[str, Any]) -> str:
    shown_dwelling, now_dwelling = snapshot.get("dwelling") or {}, register.get("dwelling") or {}
    rows = [
        ("Name", (snapshot.get("tenant") or {}).get("name"), (register.get("tenant") or {}).get("name")),
        ("Address", shown_dwelling.get("address"), now_dwelling.get("address")),
        ("Rooms", shown_dwelling.get("rooms"), now_dwelling.get("rooms")),
        ("Rent per month", shown_dwelling.get("rent_monthly"), now_dwelling.get("rent_monthly")),
        ("Landlord", shown_dwelling.get("landlord"), now_dwelling.get("landlord")),
        ("Moved in", shown_dwelling.get("move_in"), now_dwelling.get("move_in")),
        ("Tenant number", shown_dwelling.get("tenant_number"), now_dwelling.get("tenant_number")),
        (
            "Household",
            ", ".join(m.get("name", "") for m in snapshot.get("household") or []),
            ", ".join(m.get("name", "") for m in register.get("household") or []),
        ),
    ]
    body = "".join(f"<tr><th>{e(label)}</th><td>{e(a)}</td><td>{e(b)}</td></tr>" for label, a, b in rows)
    return f"<table><thead><tr><th></th><th>Shown to the citizen</th><th>Registers now</th></tr></thead><tbody>{body}</tbody></table>"


def _journal_cell(message: dict[str, Any], base: str, token: str) -> str:
    if message["journaled"]:
        return "journaled"
    action = f"{base}/messages/{message['id']}/journal"
    return f'<form class="inline" method="post" action="{action}">{token}<button>Journal</button></form>'


def _messages_table(messages: list[dict[str, Any]], base: str, token: str) -> str:
    """Secure messages with read time, how each notification went, and the journal action."""
    rows = "".join(
        f'<tr><td>{e(m["sent_at"])}</td><td>{e(m["from"])}</td><td class="citizen">{e(m["text"])}</td>'
        f"<td>{e(m['read_at'] or 'unread')}</td>"
        f"<td>{e('; '.join(n['channel'] + ': ' + n['status'] for n in m['notifications']))}</td>"
        f"<td>{_journal_cell(m, base, token)}</td></tr>"
        for m in messages
    )
    head = "<tr><th>Sent</th><th>From</th><th>Text</th><th>Read</th><th>Notification</th><th></th></tr>"
    return f"<table><thead>{head}</thead><tbody>{rows}</tbody></table>" if messages else "<p>No messages.</p>"


async def _canned_options(db: Any, language: str | None) -> str:
    return "".join(
        f'<option value="{e(c.text)}">{e(c.language)} · {e(c.title)}</option>'
        for c in await admin.list_canned(db, language)
    )


def _message_form(action: str, canned: str, token: str) -> str:
    return (
        f'<form method="post" action="{e(action)}">{token}'
        f'<p><select name="canned" aria-label="Canned text"><option value="">Canned text…</option>{canned}</select></p>'
        '<p><textarea name="text" aria-label="Message"></textarea></p><button type="submit">Send message</button></form>'
    )


async def _assign_form(db: Any, base: str, assigned: int | None, token: str) -> str:
    options = "".join(
        f'<option value="{c.id}"{" selected" if c.id == assigned else ""}>{e(c.username)}</option>'
        for c in await admin.list_caseworkers(db)
        if c.active
    )
    shared = f'<option value=""{" selected" if assigned is None else ""}>shared queue</option>'
    return (
        f'<form method="post" action="{base}/assign">{token}'
        f'<select name="caseworker_id" aria-label="Assign to">{shared}{options}</select>'
        '<button type="submit">Assign</button></form>'
    )


def _changed_by(preference: dict[str, Any]) -> str:
    if not preference:
        return ""
    return f" (changed by {e(preference.get('changed_by'))} {e(preference.get('changed_at'))})"


def _take_cell(conversation: dict[str, Any], token: str) -> str:
    if conversation["owner"] != "waiting":
        return ""
    action = f"/inbox/live/{e(conversation['conversation_id'])}/take"
    return f'<form class="inline" method="post" action="{action}">{token}<button>Take</button></form>'


@bp.get("/applications/<reference:str>")
@signed_in()
async def application_page(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    db = request.ctx.db
    d = await inbox_applications.detail(db, principal.caseworker, reference, request.app.ctx.settings)
    token = csrf_field(principal)
    base = f"/inbox/applications/{e(reference)}"
    corrections = "".join(
        f'<li>{e(c.get("section"))}: <span class="citizen">{e(c.get("text"))}</span></li>'
        for c in d["corrections"]
    )
    transcript = "".join(
        f'<tr><td>{e(m["at"])}</td><td>{e(m["from"])}</td><td class="citizen">{e(m["text"])}</td></tr>'
        for m in d["transcript"]
    )
    canned = await _canned_options(db, d["language"])
    assign = await _assign_form(db, base, d["assigned_caseworker_id"], token)
    contact = d["contact"]
    preference = contact["preference"] or {}
    body = (
        f"<p>{e(d['name'])} · {e(d['cpr_masked'])} · period {e(d['period'])} · {e(d['status'])} · "
        f"submitted {e(d['submitted_at'])} · {e(d['language'])} / {e(d['channel'])}</p>"
        f"<p>{''.join(f'<span class=flag>{e(FLAG_LABELS.get(f, f))}</span>' for f in d['flags'])}</p>"
        f"<h2>Facts</h2>{_facts_table(d['snapshot'], d['register'])}"
        f"<p>Dwelling confirmed: {e(d['confirmations']['dwelling'])} · Household confirmed: {e(d['confirmations']['household'])}</p>"
        f"<h2>Corrections</h2><ul>{corrections or '<li>none</li>'}</ul>"
        f"<h2>Contact</h2><p>Phone on the application: {e(contact['application_phone'])}; chosen channels: "
        f"{e(', '.join(preference.get('channels') or []))}; phone {e(preference.get('phone'))}; e-mail {e(preference.get('email'))}"
        f"{_changed_by(preference)}</p>"
        f"<h2>Messages</h2>{_messages_table(d['messages'], base, token)}"
        f"{_message_form(f'{base}/messages', canned, token)}"
        f"<h2>Transcript</h2><table><tbody>{transcript}</tbody></table>"
        "<h2>Actions</h2>"
        f"{assign}"
        f'<form method="post" action="{base}/take-over">{token}<button type="submit">Mark as taken over</button></form>'
        f'<form method="post" action="{base}/decision">{token}<select name="decision"><option>granted</option><option>refused</option></select>'
        '<input type="date" name="decided_on" required><button type="submit">Record decision</button></form>'
        f'<p><a href="/api/caseworker/applications/{e(reference)}/export.json">Export JSON</a> · '
        f'<a href="/api/caseworker/applications/{e(reference)}/export.pdf">Export PDF</a></p>'
        "<h2>History</h2><ul>"
        + "".join(f"<li>{e(h['at'])} {e(h['actor'])} {e(h['action'])}</li>" for h in d["history"])
        + "</ul>"
    )
    return page(f"Application {reference}", body, principal)


@bp.post("/applications/<reference:str>/messages")
@signed_in()
async def application_message(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    cpr, ref = await messaging.resolve_recipient(request.ctx.db, cpr=None, application_reference=reference)
    await _write_from_form(request, principal, cpr, ref)
    return redirect(f"/inbox/applications/{reference}")


async def _write_from_form(request: Request, principal: Principal, cpr: str, reference: str | None) -> None:
    """The message form: the typed text, or else the chosen canned text."""
    await messaging.caseworker_writes(
        request.ctx.db,
        caseworker_id=principal.caseworker.id,
        cpr=cpr,
        application_reference=reference,
        text=form_value(request, "text") or form_value(request, "canned"),
        settings=request.app.ctx.settings,
    )


@bp.post("/applications/<reference:str>/messages/<message_id:int>/journal")
@signed_in()
async def application_journal(
    request: Request, principal: Principal, reference: str, message_id: int
) -> HTTPResponse:
    await messaging.journal(request.ctx.db, caseworker_id=principal.caseworker.id, message_id=message_id)
    return redirect(f"/inbox/applications/{reference}")


@bp.post("/applications/<reference:str>/assign")
@signed_in()
async def application_assign(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    chosen = form_value(request, "caseworker_id")
    if chosen and not chosen.isdigit():
        raise InvalidInput("caseworker_id must be a number")
    await inbox_applications.assign(
        request.ctx.db, principal.caseworker, reference, int(chosen) if chosen else None
    )
    return redirect(f"/inbox/applications/{reference}")


@bp.post("/applications/<reference:str>/take-over")
@signed_in()
async def application_take_over(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    await inbox_applications.take_over(request.ctx.db, principal.caseworker, reference)
    return redirect(f"/inbox/applications/{reference}")


@bp.post("/applications/<reference:str>/decision")
@signed_in()
async def application_decision(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    await inbox_applications.decide(
        request.ctx.db,
        principal.caseworker,
        reference,
        form_value(request, "decision"),
        form_value(request, "decided_on"),
    )
    return redirect(f"/inbox/applications/{reference}")


# --- secure-message threads --------------------------------------------------------------------


@bp.get("/messages")
@signed_in()
async def threads_page(request: Request, principal: Principal) -> HTTPResponse:
    which = request.args.get("filter", "unanswered")
    items = await threads.list_threads(request.ctx.db, principal.caseworker, request.app.ctx.settings, which)
    tabs = " · ".join(f'<a href="/inbox/messages?filter={f}">{f}</a>' for f in threads.FILTERS)
    rows = "".join(
        f'<tr><td><a href="/inbox/messages/{t["thread_id"]}">{e(t["name"] or t["cpr_masked"])}</a></td>'
        f"<td>{e(t['cpr_masked'])}</td><td>{e(t['application_reference'] or 'general')}</td>"
        f"<td>{e(t['last_at'])}</td><td>{e(t['last_from'])}</td><td>{t['unread'] or ''}</td></tr>"
        for t in items
    )
    head = "<tr><th>Citizen</th><th>CPR</th><th>Application</th><th>Last message</th><th>From</th><th>Unread</th></tr>"
    body = f"<p>{tabs}</p>" + (
        f"<table><thead>{head}</thead><tbody>{rows}</tbody></table>" if items else "<p>No threads.</p>"
    )
    return page("Messages", body, principal)


@bp.get("/messages/<thread_id:int>")
@signed_in()
async def thread_page(request: Request, principal: Principal, thread_id: int) -> HTTPResponse:
    db = request.ctx.db
    d = await threads.thread_detail(db, principal.caseworker, thread_id, request.app.ctx.settings)
    token = csrf_field(principal)
    base = f"/inbox/messages/{thread_id}"
    reference = d["application_reference"]
    about = (
        f'application <a href="/inbox/applications/{e(reference)}">{e(reference)}</a>'
        if reference
        else "general"
    )
    contact = d["contact"] or {}
    body = (
        f"<p>{e(d['name'])} · {e(d['cpr_masked'])} · {about}</p>"
        f"<p>Notifications go to: {e(', '.join(contact.get('channels') or []) or 'the defaults')}"
        f"{_changed_by(contact)}</p>"
        f"{_messages_table(d['messages'], base, token)}"
        f"{_message_form(f'{base}/messages', await _canned_options(db, contact.get('language')), token)}"
    )
    return page("Messages with a citizen", body, principal)


@bp.post("/messages/<thread_id:int>/messages")
@signed_in()
async def thread_reply(request: Request, principal: Principal, thread_id: int) -> HTTPResponse:
    thread = await threads.get_thread(request.ctx.db, thread_id)
    await _write_from_form(request, principal, thread.person_cpr, thread.application_reference)
    return redirect(f"/inbox/messages/{thread_id}")


@bp.post("/messages/<thread_id:int>/messages/<message_id:int>/journal")
@signed_in()
async def thread_journal(
    request: Request, principal: Principal, thread_id: int, message_id: int
) -> HTTPResponse:
    await messaging.journal(request.ctx.db, caseworker_id=principal.caseworker.id, message_id=message_id)
    return redirect(f"/inbox/messages/{thread_id}")


# --- live --------------------------------------------------------------------------------------


@bp.get("/live")
@signed_in()
async def live_page(request: Request, principal: Principal) -> HTTPResponse:
    token = csrf_field(principal)
    rows = "".join(
        f'<tr><td><a href="/inbox/live/{e(c["conversation_id"])}">{e(c["conversation_id"][:8])}</a></td>'
        f"<td>{e(c['owner'])}</td><td>{e(c['channel'])}</td><td>{e(c['language'])}</td><td>{e(c['since'])}</td>"
        f"<td>{_take_cell(c, token)}</td></tr>"
        for c in await live.queue(request.ctx.db)
    )
    return page("Live conversations", f"<table><tbody>{rows}</tbody></table>", principal)


@bp.get("/live/<cid:str>")
@signed_in()
async def live_conversation(request: Request, principal: Principal, cid: str) -> HTTPResponse:
    token = csrf_field(principal)
    rows = "".join(
        f'<tr><td>{e(m["at"])}</td><td>{e(m["from"])}</td><td class="citizen">{e(m["text"])}</td></tr>'
        for m in await live.transcript(request.ctx.db, principal.caseworker.id, cid)
    )
    body = (
        f"<table><tbody>{rows}</tbody></table>"
        f'<form method="post" action="/inbox/live/{e(cid)}/messages">{token}<textarea name="text" aria-label="Message" required></textarea>'
        '<button type="submit">Send</button></form>'
        f'<form method="post" action="/inbox/live/{e(cid)}/close">{token}<button type="submit">Hand back to the assistant</button></form>'
    )
    return page("Conversation", body, principal)


@bp.post("/live/<cid:str>/take")
@signed_in()
async def live_take(request: Request, principal: Principal, cid: str) -> HTTPResponse:
    await live.take(request.ctx.db, principal.caseworker.id, cid)
    return redirect(f"/inbox/live/{cid}")


@bp.post("/live/<cid:str>/messages")
@signed_in()
async def live_write(request: Request, principal: Principal, cid: str) -> HTTPResponse:
    await live.write(request.ctx.db, principal.caseworker.id, cid, form_value(request, "text"))
    return redirect(f"/inbox/live/{cid}")


@bp.post("/live/<cid:str>/close")
@signed_in()
async def live_close(request: Request, principal: Principal, cid: str) -> HTTPResponse:
    await live.close(request.ctx.db, principal.caseworker.id, cid)
    return redirect("/inbox/live")
