"""Caseworker login: argon2 password, second factor (TOTP, or a code by SMS), database sessions with a
CSRF token, and login rate limits counted in the database (shared by every backend instance). The
password and token hashes and the counting of failed logins are in `credentials.py`, which the
services (caseworker administration, machine clients) use without this HTTP module."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

import pyotp
from sanic import Request
from sanic.response import HTTPResponse
from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.config import Settings
from backend.errors import DomainError, Forbidden, TooManyRequests, Unauthorized
from backend.inbox.credentials import (
    as_utc,
    check_throttle,
    clear_failures,
    password_matches,
    record_failure,
    token_hash,
)
from backend.inbox.i18n import N_
from backend.models.caseworkers import Caseworker, CaseworkerSession, LoginCode

if TYPE_CHECKING:
    from backend.models.machine_clients import MachineClient

COOKIE = "inissiaq_cw"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SMS_CODE_MINUTES = 10


def totp_step(secret: str, code: str, *, now: datetime | None = None) -> int | None:
    """The time step whose code this is: the current one or the one before or after it (clock drift
    of ±30 s); None when it matches none."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or datetime.now(UTC))
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def use_totp(db: AsyncSession, caseworker: Caseworker, code: str) -> bool:
    """Accept a code only once, and only a code newer than the last one accepted (RFC 6238, 5.2): an
    intercepted or shoulder-surfed code cannot open a second session. Atomic across instances."""
    step = totp_step(caseworker.totp_secret, code)
    if step is None:
        return False
    result = await db.execute(
        update(Caseworker)
        .where(
            Caseworker.id == caseworker.id,
            or_(Caseworker.totp_last_step.is_(None), Caseworker.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


# --- rate limit (counted by credentials.py) -------------------------------------------------


def throttle_keys(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()[:100]}", f"ip:{address[:100]}"]


# --- login -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginResult:
    caseworker: Caseworker
    token: str
    csrf_token: str
    expires_at: datetime


async def find_caseworker(db: AsyncSession, username: str) -> Caseworker | None:
    result = await db.execute(select(Caseworker).where(Caseworker.username == username.strip().lower()))
    return result.scalars().first()


async def verify_credentials(
    db: AsyncSession, username: str, password: str, settings: Settings, address: str
) -> Caseworker:
    """The active caseworker with this username and password (first factor), or Unauthorized."""
    keys = throttle_keys(username, address)
    try:
        await check_throttle(db, keys, settings)
    except TooManyRequests:
        await audit_failed_login(db, username, address, "locked_out", action="caseworker_login_locked_out")
        await db.commit()
        raise
    caseworker = await find_caseworker(db, username)
    ok = password_matches(caseworker.password_hash if caseworker else None, password)
    if caseworker is None or not ok or not caseworker.active:
        reason = "unknown_username" if caseworker is None else "wrong_password" if not ok else "inactive"
        await audit_failed_login(
            db, username, address, reason, caseworker_id=caseworker.id if caseworker else None
        )
        await record_failure(db, keys, settings)
        raise Unauthorized(N_("wrong username, password or code"), code="login_failed")
    return caseworker


async def audit_failed_login(
    db: AsyncSession,
    username: str,
    address: str,
    reason: str,
    *,
    caseworker_id: int | None = None,
    action: str = "caseworker_login_failed",
) -> None:
    """Record a refused login: the username as typed and the client address, never the password or
    code. The caller commits."""
    details = {"username": username.strip().lower()[:64], "address": address[:100], "reason": reason}
    if caseworker_id is not None:
        details["caseworker_id"] = caseworker_id
    await audit.record(db, actor="anonymous", action=action, details=details)


async def send_sms_code(db: AsyncSession, caseworker: Caseworker) -> str:
    """Create a six-digit login code (valid 10 minutes) and return it for sending; stored hashed."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    db.add(
        LoginCode(
            caseworker_id=caseworker.id,
            code_hash=token_hash(f"{caseworker.id}:{code}"),
            expires_at=datetime.now(UTC) + timedelta(minutes=SMS_CODE_MINUTES),
        )
    )
    return code


async def use_sms_code(db: AsyncSession, caseworker: Caseworker, code: str) -> bool:
    now = datetime.now(UTC)
    result = await db.execute(
        update(LoginCode)
        .where(
            LoginCode.caseworker_id == caseworker.id,
            LoginCode.code_hash == token_hash(f"{caseworker.id}:{(code or '').strip()}"),
            LoginCode.used_at.is_(None),
            LoginCode.expires_at > now,
        )
        .values(used_at=now)
    )
    return bool(result.rowcount)


async def complete_login(
    db: AsyncSession,
    caseworker: Caseworker,
    settings: Settings,
    address: str,
    *,
    totp: str | None = None,
    sms_code: str | None = None,
) -> LoginResult:
    """Check the second factor and open a session (audited, on the API and the login page). Commits."""
    keys = throttle_keys(caseworker.username, address)
    if totp:
        ok = await use_totp(db, caseworker, totp)
    elif sms_code:
        ok = await use_sms_code(db, caseworker, sms_code)
    else:
        ok = False
    if not ok:
        username, caseworker_id = caseworker.username, caseworker.id  # the rollback expires the object
        await db.rollback()
        reason = "wrong_totp" if totp else "wrong_sms_code" if sms_code else "no_second_factor"
        await audit_failed_login(db, username, address, reason, caseworker_id=caseworker_id)
        await record_failure(db, keys, settings)
        raise Unauthorized(N_("wrong username, password or code"), code="login_failed")
    await clear_failures(db, keys)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    expires_at = datetime.now(UTC) + timedelta(minutes=settings.caseworker_session_ttl_minutes)
    db.add(
        CaseworkerSession(
            token_hash=token_hash(token), caseworker_id=caseworker.id, csrf_token=csrf, expires_at=expires_at
        )
    )
    await audit.record(db, actor=f"caseworker:{caseworker.id}", action="caseworker_login")
    await db.commit()
    return LoginResult(caseworker, token, csrf, expires_at)


def set_session_cookie(response: HTTPResponse, token: str, settings: Settings) -> None:
    response.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        secure=not settings.development,
        path="/",
        max_age=settings.caseworker_session_ttl_minutes * 60,
    )


def clear_session_cookie(response: HTTPResponse, settings: Settings) -> None:
    response.delete_cookie(COOKIE, path="/")


# --- per request -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Principal:
    """A caseworker with a session."""

    caseworker: Caseworker
    session: CaseworkerSession
    is_machine: ClassVar[bool] = False

    @property
    def actor(self) -> str:
        return f"caseworker:{self.caseworker.id}"

    @property
    def caseworker_id(self) -> int | None:
        return self.caseworker.id


@dataclass(frozen=True)
class MachinePrincipal:
    """A machine client (case system) with a Bearer token of `scopes`; no caseworker, no session."""

    client: MachineClient
    scopes: frozenset[str]
    is_machine: ClassVar[bool] = True
    caseworker: ClassVar[None] = None

    @property
    def actor(self) -> str:
        return f"client:{self.client.name}"

    @property
    def caseworker_id(self) -> int | None:
        return None


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header; "" for a malformed one; None without one."""
    header = request.headers.get("authorization")
    if not header:
        return None
    kind, _, token = header.partition(" ")
    if kind.lower() != "bearer":
        return None
    return token.strip()


async def _machine(request: Request, token: str) -> MachinePrincipal:
    from backend.machine.clients import token_owner

    owner = await token_owner(request.ctx.db, token)
    if owner is None:
        raise BearerRefused("invalid_token", "the access token is invalid, expired or revoked")
    return MachinePrincipal(owner.client, owner.scopes)


async def authenticate_for(request: Request, scope: str) -> Principal | MachinePrincipal:
    """A route served to caseworkers and machine clients. With `Authorization: Bearer` the token's
    client, which needs `scope` (403 otherwise), and needs no session cookie nor CSRF token (a browser
    never adds the header by itself); every such call is audited with the client's name. Without it,
    the caseworker's session as in `authenticate`."""
    token = bearer_token(request)
    if token is None:
        return await authenticate(request)
    principal = await _machine(request, token)
    db: AsyncSession = request.ctx.db
    allowed = scope in principal.scopes
    await audit.record(
        db,
        actor=principal.actor,
        action="machine_request" if allowed else "machine_request_refused",
        details={"method": request.method, "path": request.path[:200], "scope": scope},
    )
    await db.commit()
    if not allowed:
        raise BearerRefused("insufficient_scope", f"this needs the scope {scope}", scope=scope)
    request.ctx.principal = principal
    return principal


class BearerRefused(DomainError):
    """RFC 6750, 3.1: 401 for a bad token, 403 for a missing scope, with a `WWW-Authenticate` challenge."""

    def __init__(self, code: str, message: str, *, scope: str | None = None) -> None:
        super().__init__(message, code=code)
        self.status = 403 if code == "insufficient_scope" else 401
        self.scope = scope

    def headers(self) -> dict[str, str]:
        challenge = f'Bearer realm="inissiaq", error="{self.code}"'
        if self.scope:
            challenge += f', scope="{self.scope}"'
        return {"WWW-Authenticate": challenge}


def refuse_machine_token(request: Request) -> None:
    """403 for a request with a Bearer token on a route for caseworkers without a session (the login)."""
    if bearer_token(request) is not None:
        raise Forbidden("caseworkers only: machine clients may not use this", code="caseworkers_only")


async def authenticate(request: Request, *, admin: bool = False, check_csrf: bool = True) -> Principal:
    """The caseworker of the request's session: 401 without a valid one, 403 on admin routes for a
    caseworker, 403 when an unsafe request lacks the session's CSRF token. Caseworkers only: a machine
    client's Bearer token is refused with 403."""
    token = bearer_token(request)
    if token is not None:
        machine = await _machine(request, token)
        await audit.record(
            request.ctx.db,
            actor=machine.actor,
            action="machine_request_refused",
            details={"method": request.method, "path": request.path[:200], "scope": "caseworker"},
        )
        await request.ctx.db.commit()
        raise Forbidden("caseworkers only: machine clients may not use this", code="caseworkers_only")
    token = request.cookies.get(COOKIE)
    if not token:
        raise Unauthorized("caseworker login required")
    db: AsyncSession = request.ctx.db
    session = await db.get(CaseworkerSession, token_hash(token))
    now = datetime.now(UTC)
    if session is None or as_utc(session.expires_at) <= now:
        raise Unauthorized("caseworker login required")
    caseworker = await db.get(Caseworker, session.caseworker_id)
    if caseworker is None or not caseworker.active:
        raise Unauthorized("caseworker login required")
    if check_csrf and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or _form_csrf(request)
        if not sent or not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise Forbidden("missing or wrong CSRF token", code="csrf")
    if admin and not caseworker.is_admin:
        raise Forbidden(N_("administrators only"), code="administrators_only")
    request.ctx.principal = Principal(caseworker, session)
    return request.ctx.principal


def _form_csrf(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return request.form.get(CSRF_FIELD)
    return None


async def logout(db: AsyncSession, session: CaseworkerSession) -> None:
    await db.execute(delete(CaseworkerSession).where(CaseworkerSession.token_hash == session.token_hash))
    await db.commit()
