"""Administration pages under /inbox/admin: caseworkers (create, digest designation, active), routing
rules by CPR birthday, canned texts per language, the audit log. Built on `backend.inbox.admin`, as
the JSON API is; every form carries the session's CSRF token."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.errors import InvalidInput
from backend.inbox import admin
from backend.inbox.auth import Principal
from backend.inbox.pages import csrf_field, e, form_value, page, signed_in

bp = Blueprint("inbox_admin_pages", url_prefix="/inbox/admin", strict_slashes=False)

TOGGLES = {"digest": "designated_for_digest", "active": "active"}


def _post_button(action: str, label: str, token: str, **fields: str) -> str:
    hidden = "".join(f'<input type="hidden" name="{e(k)}" value="{e(v)}">' for k, v in fields.items())
    return f'<form class="inline" method="post" action="{e(action)}">{token}{hidden}<button>{e(label)}</button></form>'


async def _caseworkers_section(request: Request, token: str) -> str:
    rows = "".join(
        f"<tr><td>{e(c.username)}</td><td>{e(c.display_name)}</td><td>{e(c.role)}</td><td>{e(c.email)}</td>"
        f"<td>{'yes' if c.designated_for_digest else 'no'} "
        f"{_post_button(f'/inbox/admin/caseworkers/{c.id}', 'change', token, field='digest', value='off' if c.designated_for_digest else 'on')}</td>"
        f"<td>{'active' if c.active else 'inactive'} "
        f"{_post_button(f'/inbox/admin/caseworkers/{c.id}', 'deactivate' if c.active else 'activate', token, field='active', value='off' if c.active else 'on')}</td></tr>"
        for c in await admin.list_caseworkers(request.ctx.db)
    )
    head = "<tr><th>Username</th><th>Name</th><th>Role</th><th>E-mail</th><th>Digest</th><th>State</th></tr>"
    create = (
        f'<form method="post" action="/inbox/admin/caseworkers">{token}'
        '<p><label>Username <input name="username" required></label> '
        '<label>Name <input name="display_name"></label> '
        '<label>E-mail <input name="email" type="email"></label> '
        '<label>Phone <input name="phone"></label></p>'
        '<p><label>Password <input name="password" type="password" minlength="10" required></label> '
        '<label>Role <select name="role"><option>caseworker</option><option>administrator</option></select></label> '
        '<label><input type="checkbox" name="designated_for_digest" value="on"> receives the digest</label> '
        '<button type="submit">Create caseworker</button></p></form>'
    )
    return f"<h2>Caseworkers</h2><table><thead>{head}</thead><tbody>{rows}</tbody></table>{create}"


async def _rules_section(request: Request, token: str) -> str:
    db = request.ctx.db
    caseworkers = await admin.list_caseworkers(db)
    names = {c.id: c.username for c in caseworkers}
    rows = "".join(
        f"<tr><td>{e(r['from'])}–{e(r['to'])}</td><td>{e(names.get(r['caseworker_id']))}</td>"
        f"<td>{_post_button(f'/inbox/admin/routing-rules/{rule_id}/delete', 'remove', token)}</td></tr>"
        for rule_id, r in ((rule.id, admin.rule_record(rule)) for rule in await admin.list_rules(db))
    )
    options = "".join(f'<option value="{c.id}">{e(c.username)}</option>' for c in caseworkers if c.active)
    create = (
        f'<form method="post" action="/inbox/admin/routing-rules">{token}'
        '<label>From <input name="from" placeholder="01.05" required></label> '
        '<label>To <input name="to" placeholder="09.09" required></label> '
        f'<label>Caseworker <select name="caseworker_id">{options}</select></label> '
        '<button type="submit">Add rule</button></form>'
    )
    return (
        "<h2>Routing rules (CPR birthday)</h2>"
        f"<table><tbody>{rows or '<tr><td>No rules: every application goes to the shared queue.</td></tr>'}</tbody></table>{create}"
    )


async def _canned_section(request: Request, token: str) -> str:
    rows = "".join(
        f"<tr><td>{e(c.language)}</td><td>{e(c.title)}</td><td class=citizen>{e(c.text)}</td>"
        f"<td>{_post_button(f'/inbox/admin/canned-texts/{c.id}/delete', 'remove', token)}</td></tr>"
        for c in await admin.list_canned(request.ctx.db)
    )
    languages = "".join(f"<option>{lang}</option>" for lang in admin.LANGUAGES)
    create = (
        f'<form method="post" action="/inbox/admin/canned-texts">{token}'
        f'<label>Language <select name="language">{languages}</select></label> '
        '<label>Title <input name="title" required></label>'
        '<p><textarea name="text" aria-label="Canned text" required></textarea></p>'
        '<button type="submit">Add canned text</button></form>'
    )
    return f"<h2>Canned texts</h2><table><tbody>{rows}</tbody></table>{create}"


async def _audit_section(request: Request, principal: Principal) -> str:
    action = request.args.get("action") or None
    entries = (await admin.read_audit(request.ctx.db, reader=principal.actor, action=action))[:200]
    rows = "".join(
        f"<tr><td>{e(x['at'])}</td><td>{e(x['actor'])}</td><td>{e(x['action'])}</td><td>{e(x['application_reference'])}</td></tr>"
        for x in entries
    )
    return (
        '<h2>Audit log</h2><form method="get"><input name="action" aria-label="Action" placeholder="action">'
        f"<button>Filter</button></form><table><tbody>{rows}</tbody></table>"
    )


@bp.get("/")
@signed_in(admin_only=True)
async def admin_page(request: Request, principal: Principal) -> HTTPResponse:
    token = csrf_field(principal)
    body = (
        await _caseworkers_section(request, token)
        + await _rules_section(request, token)
        + await _canned_section(request, token)
        + await _audit_section(request, principal)
    )
    return page("Administration", body, principal)


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
    body = (
        f"<p>{e(caseworker.username)} was created. Their TOTP secret, for the authenticator app "
        f"(shown only now): <code>{e(caseworker.totp_secret)}</code></p>"
        '<p><a href="/inbox/admin">Back to administration</a></p>'
    )
    return page("Caseworker created", body, principal, status=201)


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
