"""The machine clients' part of /api/caseworker: the OAuth 2.0 token endpoint (client credentials),
the feed of new and changed applications, and the administrators' routes for clients and webhooks.
docs/api.md describes them for case systems."""

from __future__ import annotations

from typing import Any

from authlib.oauth2.rfc6749.util import extract_basic_authorization
from sanic import Blueprint, Request
from sanic.response import JSONResponse

from backend import audit
from backend.applications import changes
from backend.inbox import machine_schemas as ms
from backend.inbox.auth import authenticate, authenticate_for
from backend.inbox.openapi import ADMIN, CASEWORKER, PUBLIC, operation, read_body, read_query, reply
from backend.limits.address import client_address
from backend.machine import clients as machine
from backend.machine.clients import InvalidClient, InvalidRequest, UnsupportedGrantType
from backend.models.machine_clients import MachineClient

bp = Blueprint("machine_api", url_prefix="/api/caseworker")
MAX_BODY_BYTES = 16 * 1024
FORM = "application/x-www-form-urlencoded"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _record(client: MachineClient, **extra: Any) -> dict[str, Any]:
    return {**machine.client_record(client), **extra}


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
@operation(
    "OAuth 2.0 token endpoint (client credentials) for machine clients",
    auth=PUBLIC,
    description=(
        "Form (application/x-www-form-urlencoded): grant_type=client_credentials, scope (optional, "
        "space-separated), and the client's credentials either as HTTP Basic or as client_id and "
        "client_secret. Errors carry RFC 6749's codes in `error`."
    ),
    responses={
        200: ms.TokenAnswer,
        400: "invalid_request, unsupported_grant_type or invalid_scope",
        401: "invalid_client (with a WWW-Authenticate challenge)",
        429: "too many failed requests for this client or address",
    },
)
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
    return reply(ms.TokenAnswer.model_validate(issued.response()), headers=NO_STORE)


# --- the feed ----------------------------------------------------------------------------------


@bp.get("/applications/feed")
@operation(
    "New and changed applications after a cursor, oldest first, and the cursor to ask with next",
    auth=CASEWORKER,
    scopes=("applications:read",),
    query=ms.FeedQuery,
    responses={200: ms.FeedPage, 400: "invalid cursor or limit"},
)
async def feed(request: Request) -> JSONResponse:
    """The changes after the cursor, oldest first, and the cursor to ask with next time. Each change
    shown is audited."""
    principal = await authenticate_for(request, "applications:read")
    query = read_query(request, ms.FeedQuery)
    db = request.ctx.db
    page = await changes.read_feed(db, query.after, query.limit)
    for change in page.changes:
        await audit.record(
            db,
            actor=principal.actor,
            action="application_feed_listed",
            application_reference=change.reference,
            details={"change": change.kind},
        )
    await db.commit()
    return reply(
        ms.FeedPage.model_validate(
            {"changes": [changes.change_record(c) for c in page.changes], "next_cursor": page.next_cursor}
        )
    )


# --- administration of machine clients (administrators' sessions only) --------------------------


@bp.get("/admin/clients")
@operation("Machine clients (case systems)", auth=ADMIN, responses={200: ms.ClientList})
async def list_clients(request: Request) -> JSONResponse:
    await authenticate(request, admin=True)
    clients = await machine.list_clients(request.ctx.db)
    return reply(ms.ClientList.model_validate({"clients": [_record(c) for c in clients]}))


@bp.post("/admin/clients")
@operation(
    "Create a machine client; its secret is in this answer only",
    auth=ADMIN,
    request=ms.ClientCreate,
    responses={
        201: ms.ClientWithSecret,
        400: "invalid name or scopes",
        409: "a client with this name exists",
    },
)
async def create_client(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    body = read_body(request, ms.ClientCreate)
    client, secret = await machine.create_client(
        request.ctx.db, name=body.name, scopes=list(body.scopes), actor=principal.actor
    )
    return reply(
        ms.ClientWithSecret.model_validate(_record(client, client_secret=secret)),
        status=201,
        headers=NO_STORE,
    )


@bp.post("/admin/clients/<client_id:str>/rotate")
@operation(
    "A new secret (in this answer only); the old secret and its tokens stop working",
    auth=ADMIN,
    responses={200: ms.ClientWithSecret, 409: "the client is revoked"},
)
async def rotate_client(request: Request, client_id: str) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    client, secret = await machine.rotate_secret(request.ctx.db, client_id, actor=principal.actor)
    return reply(ms.ClientWithSecret.model_validate(_record(client, client_secret=secret)), headers=NO_STORE)


@bp.post("/admin/clients/<client_id:str>/revoke")
@operation(
    "Revoke a client: no more tokens, its tokens and its webhook end now",
    auth=ADMIN,
    responses={200: ms.ClientRecord},
)
async def revoke_client(request: Request, client_id: str) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    client = await machine.revoke_client(request.ctx.db, client_id, actor=principal.actor)
    return reply(ms.ClientRecord.model_validate(_record(client)))


@bp.put("/admin/clients/<client_id:str>/webhook")
@operation(
    "Register the client's webhook; the new signing secret is in this answer only",
    auth=ADMIN,
    request=ms.WebhookRequest,
    responses={200: ms.ClientWithWebhookSecret, 400: "not an http(s) URL", 409: "the client is revoked"},
)
async def set_webhook(request: Request, client_id: str) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    url = read_body(request, ms.WebhookRequest).url
    client, secret = await machine.set_webhook(request.ctx.db, client_id, url, actor=principal.actor)
    return reply(
        ms.ClientWithWebhookSecret.model_validate(_record(client, webhook_secret=secret)), headers=NO_STORE
    )


@bp.delete("/admin/clients/<client_id:str>/webhook")
@operation(
    "Remove the client's webhook", auth=ADMIN, responses={200: ms.ClientRecord, 409: "the client is revoked"}
)
async def remove_webhook(request: Request, client_id: str) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    client, _ = await machine.set_webhook(request.ctx.db, client_id, None, actor=principal.actor)
    return reply(ms.ClientRecord.model_validate(_record(client)))
