"""The machine clients' part of /api/caseworker: the OAuth 2.0 token endpoint (client credentials),
the feed of new and changed applications, and the administrators' routes for clients and webhooks.
docs/api.md describes them for case systems."""

from __future__ import annotations

import json as jsonlib
from typing import Any

from authlib.oauth2.rfc6749.util import extract_basic_authorization
from sanic import Blueprint, Request
from sanic.response import JSONResponse, json

from backend import audit
from backend.applications import changes
from backend.errors import InvalidInput
from backend.inbox.auth import authenticate, authenticate_for
from backend.limits.address import client_address
from backend.machine import clients as machine
from backend.machine.clients import InvalidClient, InvalidRequest, UnsupportedGrantType

bp = Blueprint("machine_api", url_prefix="/api/caseworker")
MAX_BODY_BYTES = 16 * 1024
FORM = "application/x-www-form-urlencoded"


def _json_body(request: Request) -> dict[str, Any]:
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise InvalidInput("request body too large", code="too_large")
    try:
        body = jsonlib.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("request body must be JSON") from exc
    if not isinstance(body, dict):
        raise InvalidInput("request body must be a JSON object")
    return body


# --- OAuth 2.0 token endpoint (RFC 6749, 4.4 and 5) ---------------------------------------------


def _form(request: Request) -> dict[str, str]:
    """The form's parameters; each at most once (RFC 6749, 3.2)."""
    if not (request.headers.get("content-type") or "").startswith(FORM):
        raise InvalidRequest(f"the request must be {FORM}")
    if len(request.body or b"") > MAX_BODY_BYTES:
        raise InvalidRequest("request body too large")
    try:
        form = request.form
    except Exception as exc:  # an undecodable body
        raise InvalidRequest("the form cannot be read") from exc
    values: dict[str, str] = {}
    for name, items in (form or {}).items():
        if len(items) != 1:
            raise InvalidRequest(f"{name} is given more than once")
        values[name] = items[0]
    return values


def _credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """HTTP Basic or the form's client_id and client_secret (one method only, RFC 6749, 2.3)."""
    basic_id, basic_secret = extract_basic_authorization(request.headers)
    in_form = "client_id" in form or "client_secret" in form
    if basic_id is not None and in_form:
        raise InvalidRequest("use one client authentication method, not two")
    client_id, secret = (
        (basic_id, basic_secret)
        if basic_id is not None
        else (
            form.get("client_id"),
            form.get("client_secret"),
        )
    )
    if (request.headers.get("authorization") or "").lower().startswith("basic") and basic_id is None:
        raise InvalidClient("malformed HTTP Basic credentials")
    if not client_id or not secret:
        raise InvalidClient("client_id and client_secret are required")
    return client_id, secret


@bp.post("/oauth/token")
async def token(request: Request) -> JSONResponse:
    """`grant_type=client_credentials` with the client's id and secret (HTTP Basic or form) and an
    optional `scope`: a Bearer access token (RFC 6749, 4.4)."""
    form = _form(request)
    grant_type = form.get("grant_type")
    if not grant_type:
        raise InvalidRequest("grant_type is required")
    if grant_type != "client_credentials":
        raise UnsupportedGrantType("only grant_type=client_credentials is supported")
    client_id, secret = _credentials(request, form)
    issued = await machine.issue_token(
        request.ctx.db,
        client_id=client_id,
        client_secret=secret,
        scope=form.get("scope"),
        settings=request.app.ctx.settings,
        address=client_address(request),
    )
    return json(issued.response(), headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


# --- the feed ----------------------------------------------------------------------------------


@bp.get("/applications/feed")
async def feed(request: Request) -> JSONResponse:
    """`?after=<cursor>&limit=<1..200>`: the changes after the cursor, oldest first, and the cursor to
    ask with next time. Each change shown is audited."""
    principal = await authenticate_for(request, "applications:read")
    limit = changes.parse_limit(request.args.get("limit"))
    db = request.ctx.db
    page = await changes.read_feed(db, request.args.get("after"), limit)
    for change in page.changes:
        await audit.record(
            db,
            actor=principal.actor,
            action="application_feed_listed",
            application_reference=change.reference,
            details={"change": change.kind},
        )
    await db.commit()
    return json(
        {"changes": [changes.change_record(c) for c in page.changes], "next_cursor": page.next_cursor}
    )


# --- administration of machine clients (administrators' sessions only) --------------------------


@bp.get("/admin/clients")
async def list_clients(request: Request) -> JSONResponse:
    await authenticate(request, admin=True)
    return json({"clients": [machine.client_record(c) for c in await machine.list_clients(request.ctx.db)]})


@bp.post("/admin/clients")
async def create_client(request: Request) -> JSONResponse:
    """`{"name", "scopes": [...]}`: the client and its secret, shown only in this answer."""
    principal = await authenticate(request, admin=True)
    body = _json_body(request)
    client, secret = await machine.create_client(
        request.ctx.db, name=body.get("name"), scopes=body.get("scopes"), actor=principal.actor
    )
    return json({**machine.client_record(client), "client_secret": secret}, status=201)


@bp.post("/admin/clients/<client_id:str>/rotate")
async def rotate_client(request: Request, client_id: str) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    client, secret = await machine.rotate_secret(request.ctx.db, client_id, actor=principal.actor)
    return json({**machine.client_record(client), "client_secret": secret})


@bp.post("/admin/clients/<client_id:str>/revoke")
async def revoke_client(request: Request, client_id: str) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    client = await machine.revoke_client(request.ctx.db, client_id, actor=principal.actor)
    return json(machine.client_record(client))


@bp.put("/admin/clients/<client_id:str>/webhook")
async def set_webhook(request: Request, client_id: str) -> JSONResponse:
    """`{"url"}`: deliveries are signed with the new secret, shown only in this answer."""
    principal = await authenticate(request, admin=True)
    url = _json_body(request).get("url")
    if url is None:
        raise InvalidInput("url is required")
    client, secret = await machine.set_webhook(request.ctx.db, client_id, url, actor=principal.actor)
    return json({**machine.client_record(client), "webhook_secret": secret})


@bp.delete("/admin/clients/<client_id:str>/webhook")
async def remove_webhook(request: Request, client_id: str) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    client, _ = await machine.set_webhook(request.ctx.db, client_id, None, actor=principal.actor)
    return json(machine.client_record(client))
