"""Administration pages under /inbox/admin: caseworkers (create, digest designation, active), routing
rules by CPR birthday, canned texts per language, the audit log. Built on `backend.inbox.admin`, as
the JSON API is; every form carries the session's CSRF token."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.errors import InvalidInput
from backend.inbox import admin
from backend.inbox.auth import Principal
from backend.inbox.i18n import (
    ACTION_WORDS,
    CITIZEN_LANGUAGE_WORDS,
    LANGUAGE_NAMES,
    N_,
    _,
    action_words,
    actor_words,
    format_datetime,
    word,
    yes_no,
)
from backend.inbox.pages import csrf_field, e, form_value, page, signed_in

bp = Blueprint("inbox_admin_pages", url_prefix="/inbox/admin", strict_slashes=False)

TOGGLES = {"digest": "designated_for_digest", "active": "active"}


def _post_button(action: str, label: str, token: str, **fields: str) -> str:
    hidden = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in fields.items())
    return (
        f'<form class="inline" method="post" action="{e(action)}">{token}{hidden}'
        f'<button type="submit" class="button button-secondary">{e(label)}</button></form>'
    )


def _head(*labels: str) -> str:
    return "<thead><tr>" + "".join(f'<th scope="col">{e(label)}</th>' for label in labels) + "</tr></thead>"


def _input(name: str, label: str, attributes: str = "") -> str:
    return (
        f'<div class="form-group"><label class="form-label" for="admin-{name}">{e(label)}</label>'
        f'<input class="form-input" id="admin-{name}" name="{name}" {attributes}></div>'
    )


def _select(name: str, label: str, options: str) -> str:
    return (
        f'<div class="form-group"><label class="form-label" for="admin-{name}">{e(label)}</label>'
        f'<select class="form-select" id="admin-{name}" name="{name}">{options}</select></div>'
    )


ROLE_WORDS = {
    # NOTE: A caseworker's role: an ordinary caseworker.
    "caseworker": N_("caseworker"),
    # NOTE: A caseworker's role: an administrator (manages caseworkers, rules, texts).
    "administrator": N_("administrator"),
}


async def _caseworkers_section(request: Request, token: str) -> str:
    rows = "".join(
        f"<tr><td>{e(c.username)}</td><td>{e(c.display_name)}</td><td>{e(word(ROLE_WORDS, c.role))}</td>"
        f"<td>{e(c.email)}</td><td>{e(LANGUAGE_NAMES.get(c.language, c.language))}</td>"
        f"<td>{e(yes_no(c.designated_for_digest))} "
        f"{_post_button(f'/inbox/admin/caseworkers/{c.id}', _('change'), token, field='digest', value='off' if c.designated_for_digest else 'on')}</td>"
        f"<td>{e(_('active') if c.active else _('inactive'))} "
        f"{_post_button(f'/inbox/admin/caseworkers/{c.id}', _('deactivate') if c.active else _('activate'), token, field='active', value='off' if c.active else 'on')}</td></tr>"
        for c in await admin.list_caseworkers(request.ctx.db)
    )
    head = _head(_("Username"), _("Name"), _("Role"), _("E-mail"), _("Language"), _("Digest"), _("State"))
    roles = "".join(f'<option value="{code}">{e(word(ROLE_WORDS, code))}</option>' for code in ROLE_WORDS)
    create = (
        f'<form method="post" action="/inbox/admin/caseworkers">{token}'
        + _input("username", _("Username"), "required")
        + _input("display_name", _("Name"))
        + _input("email", _("E-mail"), 'type="email"')
        + _input("phone", _("Phone"))
        + _input("password", _("Password"), 'type="password" minlength="10" required')
        + _select("role", _("Role"), roles)
        + '<div class="form-group"><input type="checkbox" id="admin-digest" name="designated_for_digest" value="on"> '
        f'<label for="admin-digest">{e(_("Receives the digest"))}</label></div>'
        f'<button type="submit" class="button button-primary">{e(_("Create caseworker"))}</button></form>'
    )
    return f'<h2>{e(_("Caseworkers"))}</h2><table class="table">{head}<tbody>{rows}</tbody></table>{create}'


async def _rules_section(request: Request, token: str) -> str:
    db = request.ctx.db
    caseworkers = await admin.list_caseworkers(db)
    names = {c.id: c.username for c in caseworkers}
    rows = "".join(
        f"<tr><td>{e(r['from'])}–{e(r['to'])}</td><td>{e(names.get(r['caseworker_id']))}</td>"
        f"<td>{_post_button(f'/inbox/admin/routing-rules/{rule_id}/delete', _('remove'), token)}</td></tr>"
        for rule_id, r in ((rule.id, admin.rule_record(rule)) for rule in await admin.list_rules(db))
    )
    options = "".join(f'<option value="{c.id}">{e(c.username)}</option>' for c in caseworkers if c.active)
    create = (
        f'<form method="post" action="/inbox/admin/routing-rules">{token}'
        + _input("from", _("From (day.month)"), 'placeholder="01.05" required')
        + _input("to", _("To (day.month)"), 'placeholder="09.09" required')
        + _select("caseworker_id", _("Caseworker"), options)
        + f'<button type="submit" class="button button-primary">{e(_("Add rule"))}</button></form>'
    )
    table = (
        f'<table class="table">{_head(_("Birthdays"), _("Caseworker"), _("Remove"))}<tbody>{rows}</tbody></table>'
        if rows
        else f"<p>{e(_('No rules: every application goes to the shared queue.'))}</p>"
    )
    return f"<h2>{e(_('Routing rules (CPR birthday)'))}</h2>{table}{create}"


async def _canned_section(request: Request, token: str) -> str:
    rows = "".join(
        f"<tr><td>{e(word(CITIZEN_LANGUAGE_WORDS, c.language))}</td><td>{e(c.title)}</td><td class=citizen>{e(c.text)}</td>"
        f"<td>{_post_button(f'/inbox/admin/canned-texts/{c.id}/delete', _('remove'), token)}</td></tr>"
        for c in await admin.list_canned(request.ctx.db)
    )
    languages = "".join(
        f'<option value="{lang}">{e(word(CITIZEN_LANGUAGE_WORDS, lang))}</option>' for lang in admin.LANGUAGES
    )
    create = (
        f'<form method="post" action="/inbox/admin/canned-texts">{token}'
        + _select("language", _("Language"), languages)
        + _input("title", _("Title"), "required")
        + f'<div class="form-group"><label class="form-label" for="admin-canned-text">{e(_("Canned text"))}</label>'
        '<textarea class="form-input" id="admin-canned-text" name="text" rows="4" required></textarea></div>'
        f'<button type="submit" class="button button-primary">{e(_("Add canned text"))}</button></form>'
    )
    head = _head(_("Language"), _("Title"), _("Text"), _("Remove"))
    return f'<h2>{e(_("Canned texts"))}</h2><table class="table">{head}<tbody>{rows}</tbody></table>{create}'


async def _audit_section(request: Request, principal: Principal) -> str:
    action = request.args.get("action") or None
    db = request.ctx.db
    entries = (await admin.read_audit(db, reader=principal.actor, action=action))[:200]
    names = {c.id: c.display_name or c.username for c in await admin.list_caseworkers(db)}
    rows = "".join(
        f"<tr><td>{e(format_datetime(x['at']))}</td><td>{e(actor_words(x['actor'], names))}</td>"
        f"<td>{e(action_words(x['action']))}</td><td>{e(x['application_reference'])}</td></tr>"
        for x in entries
    )
    head = _head(_("Time"), _("Who"), _("Action"), _("Application"))
    # The filter offers the actions by their words, alphabetically in the caseworker's language.
    choices = sorted(ACTION_WORDS, key=action_words)
    options = f'<option value="">{e(_("All"))}</option>' + "".join(
        f'<option value="{e(code)}"{" selected" if code == action else ""}>{e(action_words(code))}</option>'
        for code in choices
    )
    return (
        f'<h2>{e(_("Audit log"))}</h2><form method="get">'
        + _select("action", _("Action"), options)
        + f'<button type="submit" class="button button-secondary">{e(_("Filter"))}</button></form>'
        f'<table class="table">{head}<tbody>{rows}</tbody></table>'
    )


@bp.get("/")
@signed_in(admin_only=True)
async def admin_page(request: Request, principal: Principal) -> HTTPResponse:
    token = csrf_field(principal)
    body = (
        await _caseworkers_section(request, token)
        + await _rules_section(request, token)
        + await _canned_section(request, token)
        + f'<h2>{e(_("Letter templates"))}</h2><p><a href="/inbox/admin/letter-templates">'
        + f"{e(_('Letter templates in kl, da and sv'))}</a></p>"
        + await _audit_section(request, principal)
    )
    return page(_("Administration"), body, principal)


@bp.post("/caseworkers")
@signed_in(admin_only=True)
async def create_caseworker(request: Request, principal: Principal) -> HTTPResponse:
    caseworker = await admin.create_caseworker(
        request.ctx.db,
        username=form_value(request, "username"),
        password=request.form.get("password") or "",
        role=form_value(request, "role") or "caseworker",
        display_name=form_value(request, "display_name"),
        email=form_value(request, "email") or None,
        phone=form_value(request, "phone") or None,
        designated_for_digest=form_value(request, "designated_for_digest") == "on",
        actor=principal.actor,
    )
    # Shown once, for enrolment in an authenticator app; the page is not cached (Cache-Control: no-store).
    created = _(
        "{username} was created. Their TOTP secret, for the authenticator app (shown only now):",
        username=caseworker.username,
    )
    body = (
        f"<p>{e(created)} <code>{e(caseworker.totp_secret)}</code></p>"
        f'<p><a href="/inbox/admin">{e(_("Back to administration"))}</a></p>'
    )
    return page(_("Caseworker created"), body, principal, status=201)


@bp.post("/caseworkers/<caseworker_id:int>")
@signed_in(admin_only=True)
async def update_caseworker(request: Request, principal: Principal, caseworker_id: int) -> HTTPResponse:
    field, value = form_value(request, "field"), form_value(request, "value")
    if field not in TOGGLES or value not in ("on", "off"):
        raise InvalidInput("field must be digest or active, value on or off")
    await admin.update_caseworker(
        request.ctx.db, caseworker_id, {TOGGLES[field]: value == "on"}, actor=principal.actor
    )
    return redirect("/inbox/admin")


@bp.post("/routing-rules")
@signed_in(admin_only=True)
async def create_rule(request: Request, principal: Principal) -> HTTPResponse:
    chosen = form_value(request, "caseworker_id")
    await admin.create_rule(
        request.ctx.db,
        start=form_value(request, "from"),
        end=form_value(request, "to"),
        caseworker_id=int(chosen) if chosen.isdigit() else None,
        actor=principal.actor,
    )
    return redirect("/inbox/admin")


@bp.post("/routing-rules/<rule_id:int>/delete")
@signed_in(admin_only=True)
async def delete_rule(request: Request, principal: Principal, rule_id: int) -> HTTPResponse:
    await admin.delete_rule(request.ctx.db, rule_id, actor=principal.actor)
    return redirect("/inbox/admin")


@bp.post("/canned-texts")
@signed_in(admin_only=True)
async def create_canned(request: Request, principal: Principal) -> HTTPResponse:
    await admin.create_canned(
        request.ctx.db,
        language=form_value(request, "language"),
        title=form_value(request, "title"),
        text=form_value(request, "text"),
        actor=principal.actor,
    )
    return redirect("/inbox/admin")


@bp.post("/canned-texts/<canned_id:int>/delete")
@signed_in(admin_only=True)
async def delete_canned(request: Request, principal: Principal, canned_id: int) -> HTTPResponse:
    await admin.delete_canned(request.ctx.db, canned_id, actor=principal.actor)
    return redirect("/inbox/admin")
