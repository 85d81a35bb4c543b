"""Machine clients (case systems) and OAuth 2.0 client credentials (RFC 6749, 4.4).

A client has a public id, a name (its audit actor is `client:<name>`), scopes and a secret. Secrets and
access tokens are 256-bit random values (`secrets`); only their SHA-256 is stored, compared in constant
time. Tokens live in the database with their expiry, so every backend instance accepts them and
revoking or rotating a client ends its tokens at once. Failed token requests are counted like failed
caseworker logins (per client id and per address) and audited.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.config import Settings
from backend.errors import Conflict, DomainError, InvalidInput, NotFound, TooManyRequests
from backend.inbox.credentials import as_utc, check_throttle, clear_failures, record_failure, token_hash
from backend.models.machine_clients import MachineClient, MachineToken

SCOPES = ("applications:read", "applications:write", "messages:write")
TOKEN_TTL_SECONDS = 3600
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MAX_CLIENT_ID = 40


class OAuthError(DomainError):
    """An error of the token endpoint (RFC 6749, 5.2): RFC 6749's code in `error`; the description in
    `message`, as in every other error answer of the API (`error_description` is optional)."""

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self)}

    def headers(self) -> dict[str, str]:
        return {"Cache-Control": "no-store", "Pragma": "no-cache"}


class InvalidRequest(OAuthError):
    status = 400
    code = "invalid_request"


class UnsupportedGrantType(OAuthError):
    status = 400
    code = "unsupported_grant_type"


class InvalidScope(OAuthError):
    status = 400
    code = "invalid_scope"


class InvalidClient(OAuthError):
    """401 with a `WWW-Authenticate` challenge for HTTP Basic client authentication (RFC 6749, 5.2)."""

    status = 401
    code = "invalid_client"

    def headers(self) -> dict[str, str]:
        return {**super().headers(), "WWW-Authenticate": 'Basic realm="inissiaq", charset="UTF-8"'}


def secret_hash(secret: str) -> str:
    return token_hash(secret)


def parse_scopes(raw: Any) -> list[str]:
    """A list or space-separated string of known scopes, in SCOPES order, at least one."""
    items = scope_to_list(raw) if isinstance(raw, str | list | tuple) else None
    if not items or not all(isinstance(s, str) for s in items):
        raise InvalidInput(f"scopes must be one or more of {', '.join(SCOPES)}")
    unknown = [s for s in items if s not in SCOPES]
    if unknown:
        raise InvalidInput(f"unknown scope; scopes are {', '.join(SCOPES)}")
    return [s for s in SCOPES if s in items]


def client_record(client: MachineClient) -> dict[str, Any]:
    def iso(moment: datetime | None) -> str | None:
        return as_utc(moment).isoformat() if moment else None

    return {
        "client_id": client.id,
        "name": client.name,
        "scopes": scope_to_list(client.scopes),
        "active": client.active,
        "created_at": iso(client.created_at),
        "rotated_at": iso(client.rotated_at),
        "revoked_at": iso(client.revoked_at),
        "webhook_url": client.webhook_url,
    }


# --- administration (each audited; commits) ---------------------------------------------------


async def create_client(db: AsyncSession, *, name: Any, scopes: Any, actor: str) -> tuple[MachineClient, str]:
    """A new client and its secret (shown once; only its hash is kept)."""
    if not isinstance(name, str) or not _NAME.match(name.strip().lower()):
        raise InvalidInput("name must be 1-64 characters: lower-case letters, digits, '.', '_' or '-'")
    name = name.strip().lower()
    granted = parse_scopes(scopes)
    secret = secrets.token_urlsafe(32)
    client = MachineClient(
        id=f"mc_{secrets.token_hex(12)}",
        name=name,
        scopes=list_to_scope(granted),
        secret_hash=secret_hash(secret),
    )
    db.add(client)
    try:
        await db.flush()
    except IntegrityError as exc:
        await db.rollback()
        raise Conflict("a client with this name exists", code="client_exists") from exc
    await audit.record(
        db,
        actor=actor,
        action="machine_client_created",
        details={"client_id": client.id, "name": name, "scopes": granted},
    )
    await db.commit()
    return client, secret


async def get_client(db: AsyncSession, client_id: Any) -> MachineClient:
    client = (
        await db.get(MachineClient, client_id)
        if isinstance(client_id, str) and len(client_id) <= MAX_CLIENT_ID
        else None
    )
    if client is None:
        raise NotFound("unknown client")
    return client


async def list_clients(db: AsyncSession) -> list[MachineClient]:
    return list(
        (
            await db.execute(select(MachineClient).order_by(MachineClient.created_at, MachineClient.id))
        ).scalars()
    )


async def rotate_secret(db: AsyncSession, client_id: Any, *, actor: str) -> tuple[MachineClient, str]:
    """A new secret (shown once); the old one and every token issued with it stop working."""
    client = await get_client(db, client_id)
    if not client.active:
        raise Conflict("the client is revoked", code="client_revoked")
    secret = secrets.token_urlsafe(32)
    client.secret_hash = secret_hash(secret)
    client.rotated_at = datetime.now(UTC)
    await db.execute(delete(MachineToken).where(MachineToken.client_id == client.id))
    await audit.record(
        db,
        actor=actor,
        action="machine_client_rotated",
        details={"client_id": client.id, "name": client.name},
    )
    await db.commit()
    return client, secret


async def revoke_client(db: AsyncSession, client_id: Any, *, actor: str) -> MachineClient:
    """The client can no longer get tokens; its tokens end now and its webhook stops."""
    client = await get_client(db, client_id)
    client.active = False
    client.revoked_at = client.revoked_at or datetime.now(UTC)
    client.webhook_url = None
    client.webhook_secret = None
    await db.execute(delete(MachineToken).where(MachineToken.client_id == client.id))
    await audit.record(
        db,
        actor=actor,
        action="machine_client_revoked",
        details={"client_id": client.id, "name": client.name},
    )
    await db.commit()
    return client


def _webhook_url(url: Any) -> str:
    if not isinstance(url, str) or len(url) > 500:
        raise InvalidInput("url must be an http(s) URL of at most 500 characters")
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise InvalidInput("url must be an http(s) URL without credentials")
    return url


async def set_webhook(
    db: AsyncSession, client_id: Any, url: Any, *, actor: str
) -> tuple[MachineClient, str | None]:
    """Register (or with None, remove) the client's webhook. A new signing secret each time (shown once)."""
    client = await get_client(db, client_id)
    if not client.active:
        raise Conflict("the client is revoked", code="client_revoked")
    if url is None:
        client.webhook_url, client.webhook_secret, secret = None, None, None
    else:
        client.webhook_url = _webhook_url(url)
        secret = secrets.token_urlsafe(32)
        client.webhook_secret = secret
    await audit.record(
        db,
        actor=actor,
        action="machine_client_webhook_set" if url is not None else "machine_client_webhook_removed",
        details={"client_id": client.id, "name": client.name, "url": client.webhook_url},
    )
    await db.commit()
    return client, secret


# --- tokens ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    scopes: list[str]
    expires_in: int

    def response(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "scope": list_to_scope(self.scopes),
        }


async def issue_token(
    db: AsyncSession,
    *,
    client_id: str,
    client_secret: str,
    scope: str | None,
    settings: Settings,
    address: str,
) -> IssuedToken:
    """Client credentials grant: check the client (rate-limited, failures audited), then the scope
    (a subset of the client's; all of them when none is asked for). Commits."""
    keys = [f"client:{client_id[:MAX_CLIENT_ID]}", f"ip:{address[:100]}"]
    try:
        await check_throttle(db, keys, settings)
    except TooManyRequests:
        await _audit_refused(db, client_id, address, "locked_out")
        await db.commit()
        raise
    client = await db.get(MachineClient, client_id) if len(client_id) <= MAX_CLIENT_ID else None
    expected = client.secret_hash if client is not None else secret_hash(secrets.token_urlsafe(32))
    ok = hmac.compare_digest(expected, secret_hash(client_secret))
    if client is None or not ok or not client.active:
        reason = "unknown_client" if client is None else "wrong_secret" if not ok else "revoked"
        await _audit_refused(db, client_id, address, reason)
        await record_failure(db, keys, settings)
        raise InvalidClient("client authentication failed")
    allowed = scope_to_list(client.scopes)
    asked = scope_to_list(scope) if scope else allowed
    if not asked or any(s not in allowed for s in asked):
        await _audit_refused(db, client_id, address, "invalid_scope")
        await db.commit()
        raise InvalidScope("the requested scope is unknown or not granted to this client")
    granted = [s for s in SCOPES if s in asked]
    await clear_failures(db, keys)
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    db.add(
        MachineToken(
            token_hash=token_hash(token),
            client_id=client.id,
            scopes=list_to_scope(granted),
            created_at=now,
            expires_at=now + timedelta(seconds=TOKEN_TTL_SECONDS),
        )
    )
    # Expired tokens of this client go when it gets a new one (and every expired token at the daily purge).
    await db.execute(
        delete(MachineToken).where(MachineToken.client_id == client.id, MachineToken.expires_at <= now)
    )
    await audit.record(
        db,
        actor=f"client:{client.name}",
        action="machine_token_issued",
        details={"client_id": client.id, "scopes": granted},
    )
    await db.commit()
    return IssuedToken(token, granted, TOKEN_TTL_SECONDS)


async def _audit_refused(db: AsyncSession, client_id: str, address: str, reason: str) -> None:
    await audit.record(
        db,
        actor="anonymous",
        action="machine_token_refused",
        details={"client_id": client_id[:MAX_CLIENT_ID], "address": address[:100], "reason": reason},
    )


@dataclass(frozen=True)
class TokenOwner:
    client: MachineClient
    scopes: frozenset[str]


async def token_owner(db: AsyncSession, token: str) -> TokenOwner | None:
    """The active client an unexpired access token belongs to, and the token's scopes."""
    if not token or len(token) > 200:
        return None
    row = await db.get(MachineToken, token_hash(token))
    if row is None or as_utc(row.expires_at) <= datetime.now(UTC):
        return None
    client = await db.get(MachineClient, row.client_id)
    if client is None or not client.active:
        return None
    return TokenOwner(client, frozenset(scope_to_list(row.scopes)))
