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
from backend.inbox.i18n import (
    CASEWORKER_LANGUAGES,
    CHANNEL_WORDS,
    CITIZEN_LANGUAGE_WORDS,
    DECISION_WORDS,
    LANGUAGE_NAMES,
    N_,
    NOTIFICATION_WORDS,
    SECTION_WORDS,
    SENDER_WORDS,
    STATUS_WORDS,
    _,
    action_words,
    actor_words,
    current_language,
    format_amount,
    format_date,
    format_datetime,
    format_list,
    format_period,
    language_or_default,
    ngettext,
    use_language,
    word,
    yes_no,
)
from backend.inbox.status_pages import timeline_section
from backend.limits.address import client_address
from backend.messaging import service as messaging
from backend.models.states import ConversationOwner
from backend.web.design import STYLESHEET

bp = Blueprint("inbox_pages", url_prefix="/inbox")
bp.static("/static", str(Path(__file__).parent / "static"), name="inbox_static")

LOGIN_CSRF_COOKIE = "inissiaq_cw_login"
# The language of the login page (before a caseworker is known); signed in, the caseworker's own.
LANGUAGE_COOKIE = "inissiaq_cw_language"
FLAG_LABELS = {
    # NOTE: A flag on an application: the citizen said the dwelling facts shown were wrong.
    "dwelling_disputed": N_("dwelling said to be wrong"),
    # NOTE: A flag on an application: the citizen said the household shown was wrong.
    "household_disputed": N_("household said to be wrong"),
    # NOTE: A flag on an application: the dwelling has more rooms than persons + 1.
    "rooms_exceed_persons": N_("more rooms than persons + 1"),
    # NOTE: A flag on an application: sent outside the usual application month.
    "outside_usual_month": N_("outside the usual month"),
}


def e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def flag_label(flag: str) -> str:
    return _(FLAG_LABELS[flag]) if flag in FLAG_LABELS else flag


def language_switch(principal: Principal | None) -> str:
    """The language switch of every page: a POST form for a caseworker, links on the login page."""
    here = current_language.get()
    if principal is None:
        current = ' aria-current="true"'
        links = "".join(
            f'<li><a href="/inbox/login?language={code}" lang="{code}"'
            f"{current if code == here else ''}>{e(LANGUAGE_NAMES[code])}</a></li>"
            for code in CASEWORKER_LANGUAGES
        )
        return f'<nav class="language-switch" aria-label="{e(_("Language"))}"><ul>{links}</ul></nav>'
    options = "".join(
        f'<option value="{code}" lang="{code}"{" selected" if code == here else ""}>{e(LANGUAGE_NAMES[code])}</option>'
        for code in CASEWORKER_LANGUAGES
    )
    return (
        f'<form class="language-switch" method="post" action="/inbox/language">{csrf_field(principal)}'
        f'<label class="form-label" for="inbox-language">{e(_("Language"))}</label>'
        f'<select class="form-select" id="inbox-language" name="language">{options}</select>'
        f'<button type="submit" class="button button-secondary">{e(_("Change language"))}</button></form>'
    )


def page(title: str, body: str, principal: Principal | None = None, *, status: int = 200) -> HTTPResponse:
    """A whole inbox page in the current caseworker's language, styled with Det Fælles Designsystem."""
    from backend.inbox.casework_pages import search_box  # it builds on this module's helpers

    nav = ""
    if principal is not None:
        links = [
            ("/inbox", _("Applications")),
            ("/inbox/messages", _("Messages")),
            ("/inbox/live", _("Live conversations")),
            ("/inbox/tasks", _("My tasks")),
        ]
        if principal.caseworker.is_admin:
            links.append(("/inbox/admin", _("Administration")))
        items = "".join(f'<li><a href="{href}">{e(label)}</a></li>' for href, label in links)
        nav = (
            f'<nav class="inbox-nav" aria-label="{e(_("Inbox"))}"><ul>{items}</ul></nav>'
            f"{search_box(principal)}"
            f'<div class="inbox-user"><span>{e(principal.caseworker.username)}</span>'
            f'<form class="inline" method="post" action="/inbox/logout">{csrf_field(principal)}'
            f'<button type="submit" class="button button-secondary">{e(_("Log out"))}</button></form></div>'
        )
    # Signed-in pages follow the server-sent events and update without a reload. The status line is in
    # the header, outside <main>, which live-updates.js replaces.
    live_script = '<script src="/inbox/static/live-updates.js" defer></script>' if principal else ""
    live_status = (
        '<p id="live-status" class="live-status container" role="status" aria-live="polite"'
        f' data-application="{e(_("New application"))}" data-message="{e(_("New message from a citizen"))}"'
        f' data-live="{e(_("Live conversations changed"))}" data-reload="{e(_("Reload the page to see it."))}"></p>'
        if principal
        else ""
    )
    document = (
        f'<!doctype html><html lang="{e(current_language.get())}"><head><meta charset="utf-8">'
        f"<title>{e(title)} · inissiaq</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="csrf-token" content="{e(principal.session.csrf_token) if principal else ""}">'
        f'<link rel="stylesheet" href="{STYLESHEET}">'
        '<link rel="stylesheet" href="/inbox/static/inbox.css">'
        f"{live_script}</head><body>"
        f'<a class="skip-link" href="#main">{e(_("Skip to the content"))}</a>'
        '<header class="header inbox-header"><div class="container inbox-header-inner">'
        f'<span class="inbox-brand">inissiaq</span>{nav}{language_switch(principal)}</div>'
        f"{live_status}</header>"
        f'<main id="main" class="container" tabindex="-1"><h1>{e(title)}</h1>{body}</main></body></html>'
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
                with use_language(request.cookies.get(LANGUAGE_COOKIE)):
                    return page(_("Not allowed"), error_box(exc), status=403)
            with use_language(principal.caseworker.language):
                try:
                    return await handler(request, principal, *args, **kwargs)
                except DomainError as exc:
                    db = request.ctx.db
                    await db.rollback()  # expires every loaded object: load the principal's again
                    await db.refresh(principal.caseworker)
                    await db.refresh(principal.session)
                    return page(_("Not possible"), error_box(exc), principal, status=exc.status)

        return wrapper

    return decorate


def form_value(request: Request, name: str) -> str:
    return (request.form.get(name) or "").strip()


def error_box(error: Exception | str) -> str:
    """An error for the page: the message translated when the catalog has it (services raise English)."""
    return f'<div class="alert alert-error" role="alert"><p class="alert-text">{e(_(str(error)))}</p></div>'


# --- login -------------------------------------------------------------------------------------


def _login_language(request: Request) -> str:
    """The login page's language: `?language=`, else the cookie it left, else Danish."""
    return language_or_default(request.args.get("language") or request.cookies.get(LANGUAGE_COOKIE))


def _login_form(token: str) -> str:
    return (
        '<form method="post" action="/inbox/login">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{token}">'
        + _field("username", _("Username"), 'autocomplete="username" required')
        + _field("password", _("Password"), 'type="password" autocomplete="current-password" required')
        + _field(
            "totp",
            _("Code from the authenticator app"),
            'inputmode="numeric" autocomplete="one-time-code" required',
        )
        + f'<button type="submit" class="button button-primary">{e(_("Log in"))}</button></form>'
    )


def _field(name: str, label: str, attributes: str) -> str:
    return (
        f'<div class="form-group"><label class="form-label" for="login-{name}">{e(label)}</label>'
        f'<input class="form-input" id="login-{name}" name="{name}" {attributes}></div>'
    )


def _remember_language(response: HTTPResponse, request: Request, language: str) -> None:
    response.add_cookie(
        LANGUAGE_COOKIE,
        language,
        httponly=True,
        samesite="Strict",
        secure=not request.app.ctx.settings.development,
        path="/inbox",
        max_age=365 * 24 * 3600,
    )


@bp.get("/login")
async def login_page(request: Request) -> HTTPResponse:
    token = secrets.token_urlsafe(24)
    language = _login_language(request)
    with use_language(language):
        response = page(_("Caseworker login"), _login_form(token))
    settings = request.app.ctx.settings
    response.add_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=not settings.development,
        path="/inbox",
    )
    _remember_language(response, request, language)
    return response


@bp.post("/login")
async def login_submit(request: Request) -> HTTPResponse:
    with use_language(_login_language(request)):
        return await _login_submit(request)


async def _login_submit(request: Request) -> HTTPResponse:
    settings = request.app.ctx.settings
    sent, expected = form_value(request, CSRF_FIELD), request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not sent or not secrets.compare_digest(sent, expected):
        return page(
            _("Caseworker login"),
            error_box(_("The form expired.")) + f'<p><a href="/inbox/login">{e(_("Try again"))}</a></p>',
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
            _("Caseworker login"),
            error_box(exc) + f'<p><a href="/inbox/login">{e(_("Try again"))}</a></p>',
            status=exc.status,
        )
    response = redirect("/inbox")
    set_session_cookie(response, result.token, settings)
    return response


@bp.post("/language")
@signed_in()
async def language_submit(request: Request, principal: Principal) -> HTTPResponse:
    """The caseworker's language for every page and e-mail from now on; back to the page they were on."""
    language = form_value(request, "language")
    if language not in CASEWORKER_LANGUAGES:
        raise InvalidInput("language must be da, kl or en")
    principal.caseworker.language = language
    await request.ctx.db.commit()
    back = request.headers.get("referer") or ""
    path = back.split("://", 1)[-1].partition("/")[2] if "://" in back else ""
    response = redirect(f"/{path}" if path.startswith("inbox") else "/inbox")
    _remember_language(response, request, language)
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
    tabs = _tabs(
        "/inbox", which, APPLICATION_FILTER_WORDS, inbox_applications.FILTERS, _("Which applications")
    )
    rows = "".join(
        "<tr>"
        f'<td><a href="/inbox/applications/{e(i["reference"])}">{e(i["reference"])}</a></td>'
        f"<td>{e(i['name'])}</td><td>{e(format_datetime(i['submitted_at']))}</td>"
        f"<td>{e(word(CITIZEN_LANGUAGE_WORDS, i['language']))}</td>"
        f"<td>{e(word(CHANNEL_WORDS, i['channel']))}</td><td>{e(word(STATUS_WORDS, i['status']))}</td>"
        f"<td>{_flags(i['flags'])}</td>"
        "</tr>"
        for i in items
    )
    head = "".join(
        f'<th scope="col">{e(label)}</th>'
        for label in (
            _("Reference"),
            _("Name"),
            _("Submitted"),
            _("Language"),
            _("Channel"),
            _("Status"),
            _("Flags"),
        )
    )
    # NOTE: Above the list of applications: how many the chosen tab shows.
    shown = ngettext("{count} application", "{count} applications", len(items))
    body = tabs + (
        f'<p>{e(shown)}</p><table class="table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        if items
        else f"<p>{e(_('No applications.'))}</p>"
    )
    return page(_("Applications"), body, principal)


# NOTE: Tabs above the list of applications: which applications to show.
APPLICATION_FILTER_WORDS = {
    # NOTE: Tab: applications nobody has opened yet.
    "new": N_("New"),
    # NOTE: Tab: applications assigned to me.
    "mine": N_("Mine"),
    # NOTE: Tab: applications taken over into the case system.
    "taken_over": N_("Taken over"),
    # NOTE: Tab: every application.
    "all": N_("All"),
}
THREAD_FILTER_WORDS = {
    # NOTE: Tab: message threads where the citizen wrote last.
    "unanswered": N_("Unanswered"),
    # NOTE: Tab: every message thread.
    "all": N_("All"),
}
OWNER_WORDS = {
    # NOTE: Who answers a live conversation now: the automatic assistant.
    ConversationOwner.BOT: N_("assistant"),
    # NOTE: A live conversation waiting for a caseworker to take it.
    ConversationOwner.WAITING: N_("waiting for a caseworker"),
    # NOTE: A live conversation a caseworker has taken.
    ConversationOwner.HUMAN: N_("caseworker"),
    # NOTE: A live conversation that has ended.
    ConversationOwner.CLOSED: N_("closed"),
}


def _tabs(base: str, current: str, words: dict[str, str], filters: tuple[str, ...], label: str) -> str:
    marked = ' aria-current="page"'
    items = "".join(
        f'<li><a href="{base}?filter={f}"{marked if f == current else ""}>{e(word(words, f))}</a></li>'
        for f in filters
    )
    return f'<nav class="inbox-tabs" aria-label="{e(label)}"><ul>{items}</ul></nav>'


def _flags(flags: list[str]) -> str:
    return "".join(f'<span class="flag">{e(flag_label(f))}</span>' for f in flags)


def _household(members: list[dict[str, Any]] | None) -> str:
    return format_list(m.get("name", "") for m in members or [])


def _facts_table(snapshot: dict[str, Any], register: dict[str, Any]) -> str:
    shown_dwelling, now_dwelling = snapshot.get("dwelling") or {}, register.get("dwelling") or {}
    rows = [
        (_("Name"), (snapshot.get("tenant") or {}).get("name"), (register.get("tenant") or {}).get("name")),
        (_("Address"), shown_dwelling.get("address"), now_dwelling.get("address")),
        (_("Rooms"), shown_dwelling.get("rooms"), now_dwelling.get("rooms")),
        (
            _("Rent per month"),
            format_amount(shown_dwelling.get("rent_monthly")),
            format_amount(now_dwelling.get("rent_monthly")),
        ),
        (_("Landlord"), shown_dwelling.get("landlord"), now_dwelling.get("landlord")),
        (_("Moved in"), format_date(shown_dwelling.get("move_in")), format_date(now_dwelling.get("move_in"))),
        (_("Tenant number"), shown_dwelling.get("tenant_number"), now_dwelling.get("tenant_number")),
        (_("Household"), _household(snapshot.get("household")), _household(register.get("household"))),
    ]
    body = "".join(
        f'<tr><th scope="row">{e(label)}</th><td>{e(a)}</td><td>{e(b)}</td></tr>' for label, a, b in rows
    )
    return (
        f'<table class="table"><thead><tr><td></td><th scope="col">{e(_("Shown to the citizen"))}</th>'
        f'<th scope="col">{e(_("Registers now"))}</th></tr></thead><tbody>{body}</tbody></table>'
    )


def _journal_cell(message: dict[str, Any], base: str, token: str) -> str:
    if message["journaled"]:
        return e(_("journaled"))
    action = f"{base}/messages/{message['id']}/journal"
    return (
        f'<form class="inline" method="post" action="{action}">{token}'
        f'<button type="submit" class="button button-secondary">{e(_("Journal"))}</button></form>'
    )


def _notifications(notifications: list[dict[str, Any]]) -> str:
    return format_list(
        f"{word(CHANNEL_WORDS, n['channel'])}: {word(NOTIFICATION_WORDS, n['status'])}" for n in notifications
    )


def _messages_table(messages: list[dict[str, Any]], base: str, token: str) -> str:
    """Secure messages with read time, how each notification went, and the journal action."""
    rows = "".join(
        f"<tr><td>{e(format_datetime(m['sent_at']))}</td><td>{e(word(SENDER_WORDS, m['from']))}</td>"
        f'<td class="citizen">{e(m["text"])}</td>'
        f"<td>{e(format_datetime(m['read_at']) if m['read_at'] else _('unread'))}</td>"
        f"<td>{e(_notifications(m['notifications']))}</td>"
        f"<td>{_journal_cell(m, base, token)}</td></tr>"
        for m in messages
    )
    head = "".join(
        f'<th scope="col">{e(label)}</th>'
        for label in (_("Sent"), _("From"), _("Text"), _("Read"), _("Notification"), _("Journal"))
    )
    if not messages:
        return f"<p>{e(_('No messages.'))}</p>"
    return f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


async def _canned_options(db: Any, language: str | None) -> str:
    return "".join(
        f'<option value="{e(c.text)}">{e(word(CITIZEN_LANGUAGE_WORDS, c.language))} · {e(c.title)}</option>'
        for c in await admin.list_canned(db, language)
    )


def _message_form(action: str, canned: str, token: str) -> str:
    form_id = "message"
    return (
        f'<form method="post" action="{e(action)}">{token}'
        f'<div class="form-group"><label class="form-label" for="{form_id}-canned">{e(_("Canned text"))}</label>'
        f'<select class="form-select" id="{form_id}-canned" name="canned">'
        f'<option value="">{e(_("None"))}</option>{canned}</select></div>'
        f'<div class="form-group"><label class="form-label" for="{form_id}-text">{e(_("Message"))}</label>'
        f'<textarea class="form-input" id="{form_id}-text" name="text" rows="5"></textarea></div>'
        f'<button type="submit" class="button button-primary">{e(_("Send message"))}</button></form>'
    )


async def _assign_form(db: Any, base: str, assigned: int | None, token: str) -> str:
    options = "".join(
        f'<option value="{c.id}"{" selected" if c.id == assigned else ""}>{e(c.username)}</option>'
        for c in await admin.list_caseworkers(db)
        if c.active
    )
    shared = f'<option value=""{" selected" if assigned is None else ""}>{e(_("shared queue"))}</option>'
    return (
        f'<form method="post" action="{base}/assign">{token}'
        f'<div class="form-group"><label class="form-label" for="assign-to">{e(_("Assign to"))}</label>'
        f'<select class="form-select" id="assign-to" name="caseworker_id">{shared}{options}</select></div>'
        f'<button type="submit" class="button button-secondary">{e(_("Assign"))}</button></form>'
    )


def _changed_by(preference: dict[str, Any]) -> str:
    if not preference:
        return ""
    return e(
        _(
            "Changed by {who} on {when}.",
            who=actor_words(preference.get("changed_by"), {}),
            when=format_datetime(preference.get("changed_at")),
        )
    )


def _contact(contact: dict[str, Any]) -> str:
    """The phone on the application and the citizen's chosen notification channels, as a list."""
    preference = contact["preference"] or {}
    rows = [
        (_("Phone on the application"), contact["application_phone"] or _("none")),
        (
            _("Chosen channels"),
            format_list(word(CHANNEL_WORDS, c) for c in preference.get("channels") or [])
            or _("the defaults"),
        ),
        (_("Phone for notifications"), preference.get("phone") or _("none")),
        (_("E-mail for notifications"), preference.get("email") or _("none")),
    ]
    items = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in rows)
    changed = _changed_by(preference)
    return f'<dl class="facts">{items}</dl>' + (f"<p>{changed}</p>" if changed else "")


def _take_cell(conversation: dict[str, Any], token: str) -> str:
    if conversation["owner"] != ConversationOwner.WAITING:
        return ""
    action = f"/inbox/live/{e(conversation['conversation_id'])}/take"
    return (
        f'<form class="inline" method="post" action="{action}">{token}'
        f'<button type="submit" class="button button-secondary">{e(_("Take"))}</button></form>'
    )


def _summary(d: dict[str, Any]) -> str:
    rows = [
        (_("Name"), d["name"]),
        (_("CPR number"), d["cpr_masked"]),
        (_("Period"), format_period(d["period"])),
        (_("Status"), word(STATUS_WORDS, d["status"])),
        (_("Submitted"), format_datetime(d["submitted_at"])),
        (_("Language"), word(CITIZEN_LANGUAGE_WORDS, d["language"])),
        (_("Channel"), word(CHANNEL_WORDS, d["channel"])),
    ]
    return '<dl class="facts">' + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in rows) + "</dl>"


def _confirmation(value: bool | None) -> str:
    return _("not answered") if value is None else yes_no(value)


def _decision_form(base: str, token: str) -> str:
    options = "".join(
        f'<option value="{code}">{e(word(DECISION_WORDS, code))}</option>' for code in DECISION_WORDS
    )
    return (
        f'<form method="post" action="{base}/decision">{token}'
        f'<div class="form-group"><label class="form-label" for="decision">{e(_("Decision"))}</label>'
        f'<select class="form-select" id="decision" name="decision">{options}</select></div>'
        f'<div class="form-group"><label class="form-label" for="decided-on">{e(_("Decided on"))}</label>'
        '<input class="form-input" type="date" id="decided-on" name="decided_on" required></div>'
        '<div class="form-group"><label class="form-label" for="case-reference">'
        # NOTE: Optional field of the decision form: the case system's own reference for the case.
        f"{e(_('Case system reference (optional)'))}</label>"
        '<input class="form-input" type="text" id="case-reference" name="case_reference" maxlength="64"></div>'
        f'<button type="submit" class="button button-primary">{e(_("Record decision"))}</button></form>'
    )


def _history(history: list[dict[str, Any]], caseworkers: dict[int, str]) -> str:
    """Everything recorded about the application (the audit entries), oldest first, in words: who by
    name, what from the action's word (never the stored codes)."""
    head = "".join(f'<th scope="col">{e(label)}</th>' for label in (_("Time"), _("By"), _("Action")))
    rows = "".join(
        f"<tr><td>{e(format_datetime(h['at']))}</td><td>{e(actor_words(h['actor'], caseworkers))}</td>"
        f"<td>{e(action_words(h['action']))}</td></tr>"
        for h in history
    )
    return (
        f'<table class="table" aria-labelledby="history"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


@bp.get("/applications/<reference:str>")
@signed_in()
async def application_page(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    db = request.ctx.db
    from backend.inbox.casework_pages import casework_sections  # it builds on this module's helpers
    from backend.inbox.documents_pages import documents_section  # it builds on this module's helpers

    d = await inbox_applications.detail(db, principal.caseworker, reference, request.app.ctx.settings)
    names = {c.id: c.display_name or c.username for c in await admin.list_caseworkers(db)}
    token = csrf_field(principal)
    base = f"/inbox/applications/{e(reference)}"
    corrections = "".join(
        f'<li>{e(word(SECTION_WORDS, c.get("section")))}: <span class="citizen">{e(c.get("text"))}</span></li>'
        for c in d["corrections"]
    )
    transcript = "".join(
        f"<tr><td>{e(format_datetime(m['at']))}</td><td>{e(word(SENDER_WORDS, m['from']))}</td>"
        f'<td class="citizen">{e(m["text"])}</td></tr>'
        for m in d["transcript"]
    )
    transcript_head = "".join(
        f'<th scope="col">{e(label)}</th>' for label in (_("Time"), _("From"), _("Text"))
    )
    canned = await _canned_options(db, d["language"])
    assign = await _assign_form(db, base, d["assigned_caseworker_id"], token)
    confirmations = (
        f"<dt>{e(_('Dwelling confirmed'))}</dt><dd>{e(_confirmation(d['confirmations']['dwelling']))}</dd>"
        f"<dt>{e(_('Household confirmed'))}</dt><dd>{e(_confirmation(d['confirmations']['household']))}</dd>"
    )
    body = (
        f"{_summary(d)}<p>{_flags(d['flags'])}</p>"
        f"{timeline_section(d['timeline'], names)}"
        f"<h2>{e(_('Facts'))}</h2>{_facts_table(d['snapshot'], d['register'])}"
        f'<dl class="facts">{confirmations}</dl>'
        f"<h2>{e(_('Corrections'))}</h2><ul>{corrections or '<li>' + e(_('none')) + '</li>'}</ul>"
        f"<h2>{e(_('Contact'))}</h2>{_contact(d['contact'])}"
        f"<h2>{e(_('Messages'))}</h2>{_messages_table(d['messages'], base, token)}"
        f"{_message_form(f'{base}/messages', canned, token)}"
        f"{documents_section(d, base, token)}"
        f"{casework_sections(d, base, token)}"
        f"<h2>{e(_('Transcript'))}</h2>"
        f'<table class="table"><thead><tr>{transcript_head}</tr></thead><tbody>{transcript}</tbody></table>'
        f"<h2>{e(_('Actions'))}</h2>"
        f"{assign}"
        f'<form method="post" action="{base}/take-over">{token}'
        f'<button type="submit" class="button button-secondary">{e(_("Mark as taken over"))}</button></form>'
        f"{_decision_form(base, token)}"
        f'<p><a href="/api/caseworker/applications/{e(reference)}/export.json">{e(_("Export JSON"))}</a> · '
        f'<a href="/api/caseworker/applications/{e(reference)}/export.pdf">{e(_("Export PDF"))}</a></p>'
        f'<h2 id="history">{e(_("History"))}</h2>{_history(d["history"], names)}'
    )
    return page(_("Application {reference}", reference=reference), body, principal)


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
    await inbox_applications.take_over(request.ctx.db, principal.actor, reference, request.app.ctx.settings)
    return redirect(f"/inbox/applications/{reference}")


@bp.post("/applications/<reference:str>/decision")
@signed_in()
async def application_decision(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    await inbox_applications.decide(
        request.ctx.db,
        principal.actor,
        reference,
        request.app.ctx.settings,
        form_value(request, "decision"),
        form_value(request, "decided_on"),
        form_value(request, "case_reference") or None,
    )
    return redirect(f"/inbox/applications/{reference}")


# --- secure-message threads --------------------------------------------------------------------


@bp.get("/messages")
@signed_in()
async def threads_page(request: Request, principal: Principal) -> HTTPResponse:
    which = request.args.get("filter", "unanswered")
    items = await threads.list_threads(request.ctx.db, principal.caseworker, request.app.ctx.settings, which)
    tabs = _tabs("/inbox/messages", which, THREAD_FILTER_WORDS, threads.FILTERS, _("Which threads"))
    rows = "".join(
        f'<tr><td><a href="/inbox/messages/{t["thread_id"]}">{e(t["name"] or t["cpr_masked"])}</a></td>'
        f"<td>{e(t['cpr_masked'])}</td><td>{e(t['application_reference'] or _('general'))}</td>"
        f"<td>{e(format_datetime(t['last_at']))}</td><td>{e(word(SENDER_WORDS, t['last_from']))}</td>"
        f"<td>{t['unread'] or ''}</td></tr>"
        for t in items
    )
    head = "".join(
        f'<th scope="col">{e(label)}</th>'
        for label in (
            _("Citizen"),
            _("CPR number"),
            _("Application"),
            _("Last message"),
            _("From"),
            _("Unread"),
        )
    )
    # NOTE: Above the list of message threads: how many the chosen tab shows.
    shown = ngettext("{count} message thread", "{count} message threads", len(items))
    body = tabs + (
        f'<p>{e(shown)}</p><table class="table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        if items
        else f"<p>{e(_('No threads.'))}</p>"
    )
    return page(_("Messages"), body, principal)


@bp.get("/messages/<thread_id:int>")
@signed_in()
async def thread_page(request: Request, principal: Principal, thread_id: int) -> HTTPResponse:
    from backend.inbox.casework_pages import person_notes_section  # it builds on this module's helpers

    db = request.ctx.db
    d = await threads.thread_detail(db, principal.caseworker, thread_id, request.app.ctx.settings)
    token = csrf_field(principal)
    base = f"/inbox/messages/{thread_id}"
    reference = d["application_reference"]
    about = (
        f'<a href="/inbox/applications/{e(reference)}">{e(_("Application {reference}", reference=reference))}</a>'
        if reference
        else e(_("general"))
    )
    contact = d["contact"] or {}
    channels = format_list(word(CHANNEL_WORDS, c) for c in contact.get("channels") or []) or _("the defaults")
    rows = [(_("Citizen"), e(d["name"])), (_("CPR number"), e(d["cpr_masked"])), (_("About"), about)]
    rows.append((_("Notifications go to"), e(channels)))
    facts = '<dl class="facts">' + "".join(f"<dt>{e(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"
    changed = _changed_by(contact)
    body = (
        f"{facts}{f'<p>{changed}</p>' if changed else ''}"
        f"{_messages_table(d['messages'], base, token)}"
        f"{_message_form(f'{base}/messages', await _canned_options(db, contact.get('language')), token)}"
        f"{person_notes_section(d['notes'], base, token)}"
    )
    return page(_("Messages with a citizen"), body, principal)


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
    conversations = await live.queue(request.ctx.db)
    rows = "".join(
        f'<tr><td><a href="/inbox/live/{e(c["conversation_id"])}">{e(c["conversation_id"][:8])}</a></td>'
        f"<td>{e(word(OWNER_WORDS, c['owner']))}</td><td>{e(word(CHANNEL_WORDS, c['channel']))}</td>"
        f"<td>{e(word(CITIZEN_LANGUAGE_WORDS, c['language']))}</td><td>{e(format_datetime(c['since']))}</td>"
        f"<td>{_take_cell(c, token)}</td></tr>"
        for c in conversations
    )
    head = "".join(
        f'<th scope="col">{e(label)}</th>'
        for label in (_("Conversation"), _("Answered by"), _("Channel"), _("Language"), _("Since"), _("Take"))
    )
    body = (
        f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        if conversations
        else f"<p>{e(_('No live conversations.'))}</p>"
    )
    return page(_("Live conversations"), body, principal)


@bp.get("/live/<cid:str>")
@signed_in()
async def live_conversation(request: Request, principal: Principal, cid: str) -> HTTPResponse:
    token = csrf_field(principal)
    rows = "".join(
        f"<tr><td>{e(format_datetime(m['at']))}</td><td>{e(word(SENDER_WORDS, m['from']))}</td>"
        f'<td class="citizen">{e(m["text"])}</td></tr>'
        for m in await live.transcript(request.ctx.db, principal.caseworker.id, cid)
    )
    head = "".join(f'<th scope="col">{e(label)}</th>' for label in (_("Time"), _("From"), _("Text")))
    body = (
        f'<table class="table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
        f'<form method="post" action="/inbox/live/{e(cid)}/messages">{token}'
        f'<div class="form-group"><label class="form-label" for="live-text">{e(_("Message"))}</label>'
        '<textarea class="form-input" id="live-text" name="text" rows="4" required></textarea></div>'
        f'<button type="submit" class="button button-primary">{e(_("Send"))}</button></form>'
        f'<form method="post" action="/inbox/live/{e(cid)}/close">{token}'
        f'<button type="submit" class="button button-secondary">{e(_("Hand back to the assistant"))}</button></form>'
    )
    return page(_("Conversation"), body, principal)


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
