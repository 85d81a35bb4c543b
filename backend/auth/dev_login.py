"""The development login (`make run` only): a clearly marked TEST LOGIN page standing in for eID.

It lists the demo citizens of the person register (name and masked CPR number only). In production
mode every route here answers 404, as if it did not exist.
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, json, redirect

from backend.auth import sessions
from backend.auth.login import development_only, login_with_cpr, require_same_origin, wants_json
from backend.channels.binding import after_login_path
from backend.cpr import mask_cpr
from backend.dao.registers import dao_list_tenants
from backend.errors import InvalidInput
from backend.nlg import translate
from backend.web.pages import e, render_page, request_language
from backend.web.ui_texts import DEV_LOGIN_AS, DEV_LOGIN_INTRO, DEV_LOGIN_TITLE, DEV_LOGIN_UNKNOWN

bp = Blueprint("dev_login", url_prefix="/auth/dev")

MAX_BODY_BYTES = 4 * 1024


@bp.get("/")
async def page(request: Request) -> HTTPResponse:
    development_only(request)
    language = await request_language(request)
    people = await dao_list_tenants(request.ctx.db)
    rows = "\n".join(
        '<li><form method="post" action="/auth/dev/login">'
        f'<input type="hidden" name="cpr" value="{e(person.cpr)}">'
        f'<button type="submit" class="button button-secondary">'
        f"{e(translate(language, DEV_LOGIN_AS, name=person.name))}</button> "
        f'<span class="cpr">{e(mask_cpr(person.cpr))}</span></form></li>'
        for person in people
    )
    error = (
        '<div class="alert alert-error" role="alert"><div class="alert-body">'
        f'<p class="alert-text">{e(translate(language, DEV_LOGIN_UNKNOWN))}</p></div></div>'
        if request.args.get("error")
        else ""
    )
    return render_page(
        "dev_login.html",
        language,
        title=translate(language, DEV_LOGIN_TITLE),
        intro=translate(language, DEV_LOGIN_INTRO),
        error_html=error,
        people_html=rows,
    )


@bp.post("/login")
async def login(request: Request) -> HTTPResponse:
    """JSON `{"cpr": "0708861234"}` → `{"ok": true}` and the cookie; the page's form → redirect to `/`."""
    development_only(request)
    require_same_origin(request)
    as_json = wants_json(request)
    raw_cpr = _json_cpr(request) if as_json else request.form.get("cpr") if request.form else None
    result = await login_with_cpr(request, raw_cpr)
    if result is None:
        if as_json:
            raise InvalidInput(
                "cpr must be the CPR number of a person in the register", code="unknown_person"
            )
        return redirect("/auth/dev?error=1")
    next_path = after_login_path(result.session, "/?chat=open")
    await request.ctx.db.commit()
    response = json({"ok": True, "next": next_path}) if as_json else redirect(next_path)
    sessions.set_cookie(response, request.app.ctx.settings, result.token)
    return response


def _json_cpr(request: Request) -> Any:
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise InvalidInput("request body too large", code="too_large")
    try:
        body = jsonlib.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("request body must be JSON") from error
    if not isinstance(body, dict):
        raise InvalidInput("request body must be a JSON object")
    return body.get("cpr")
