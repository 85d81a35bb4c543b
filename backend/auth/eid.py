"""The eID login over OpenID Connect: start (`GET /auth/login` calls `start_login`), the provider's
callback (`GET /auth/callback`), the relying party's public key (`GET /auth/jwks.json`) and the
provider's logout address for `POST /auth/logout`.

A login in flight is a row in `oidc_logins` (state hash, nonce, PKCE verifier, the browser session
that started it), so any instance can take the callback; the callback deletes the row before it does
anything else, so a state works once. Every failure renders a page in the citizen's language with a
link back to the chat, is audited with its reason, and logs nobody in.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
from authlib.common.security import generate_token
from sanic import Blueprint, Request, Sanic
from sanic.response import HTTPResponse, json, redirect

from backend import audit
from backend.auth import oidc_settings, sessions
from backend.auth.login import on_login
from backend.auth.oidc import LoginFailed, RelyingParty
from backend.channels.binding import after_login_path
from backend.conversations.service import as_utc
from backend.cpr import normalise_cpr
from backend.dao.oidc_logins import (
    dao_create_oidc_login,
    dao_delete_expired_oidc_logins,
    dao_take_oidc_login,
)
from backend.dao.registers import dao_get_person
from backend.errors import NotFound
from backend.models.conversations import WebSession
from backend.models.oidc import OidcLogin
from backend.nlg import translate
from backend.web import ui_texts
from backend.web.pages import render_page, request_language

bp = Blueprint("eid", url_prefix="/auth")

LOGIN_TTL = timedelta(minutes=10)
MAX_PARAMETER_CHARS = 2048
HTTP_TIMEOUT_SECONDS = 10.0

# The failure reasons (LoginFailed.reason) and the text each shows; anything else: EID_REFUSED_TEXT.
FAILURE_TEXTS = {
    "cancelled": ui_texts.EID_CANCELLED_TEXT,
    "state_invalid": ui_texts.EID_EXPIRED_TEXT,
    "state_expired": ui_texts.EID_EXPIRED_TEXT,
    "session_mismatch": ui_texts.EID_EXPIRED_TEXT,
    "assurance_too_low": ui_texts.EID_LOW_ASSURANCE_TEXT,
    "cpr_missing": ui_texts.EID_NO_CPR_TEXT,
    "unknown_person": ui_texts.EID_UNKNOWN_PERSON_TEXT,
    "provider_unreachable": ui_texts.EID_UNAVAILABLE_TEXT,
}


async def start(app: Sanic) -> None:
    """One relying party per process when eID is configured (`app.ctx.oidc`, else None). Tests may
    put an httpx transport on `app.ctx.oidc_transport` before start-up."""
    settings = app.ctx.settings
    app.ctx.oidc = None
    if oidc_settings.configured(settings):
        http = httpx.AsyncClient(
            timeout=httpx.Timeout(HTTP_TIMEOUT_SECONDS, connect=5.0),
            transport=getattr(app.ctx, "oidc_transport", None),
        )
        app.ctx.oidc = RelyingParty(settings, http)


async def stop(app: Sanic) -> None:
    relying_party = getattr(app.ctx, "oidc", None)
    if relying_party is not None:
        await relying_party.http.aclose()


def relying_party(request: Request) -> RelyingParty:
    found = getattr(request.app.ctx, "oidc", None)
    if found is None:
        raise NotFound("eID is not configured")
    return found


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


@bp.get("/login")
async def login(request: Request) -> HTTPResponse:
    """eID when it is configured; else the development login, or in production a page saying so."""
    settings = request.app.ctx.settings
    if oidc_settings.configured(settings):
        return await start_login(request)
    if settings.development:
        return redirect("/auth/dev")
    language = await request_language(request)
    return render_page(
        "message.html",
        language,
        status=503,
        title=translate(language, ui_texts.EID_NOT_CONFIGURED_TITLE),
        text=translate(language, ui_texts.EID_NOT_CONFIGURED_TEXT),
    )


async def start_login(request: Request) -> HTTPResponse:
    """Send the browser to the eID provider, remembering the request under its session."""
    rp = relying_party(request)
    try:
        provider = await rp.provider()  # before the database: no network call inside a transaction
    except LoginFailed as failure:
        return await _failed(request, failure)
    db, settings = request.ctx.db, request.app.ctx.settings
    language = await request_language(request)
    session = await sessions.load_session(db, request)
    token = None
    if session is None:
        session, token = await sessions.start_anonymous(db, settings)
    state, nonce, verifier = generate_token(43), generate_token(43), generate_token(64)
    now = datetime.now(UTC)
    await dao_delete_expired_oidc_logins(db, now)
    await dao_create_oidc_login(
        db,
        OidcLogin(
            state_hash=_hash(state),
            nonce=nonce,
            code_verifier=verifier,
            session_token_hash=session.token_hash,
            language=language,
            created_at=now,
            expires_at=now + LOGIN_TTL,
        ),
    )
    await db.commit()
    url = rp.authorization_url(provider, state=state, nonce=nonce, code_verifier=verifier, language=language)
    response = redirect(url)
    if token is not None:
        sessions.set_cookie(response, settings, token)
    return response


@bp.get("/callback")
async def callback(request: Request) -> HTTPResponse:
    """The provider sends the browser back here with `code` and `state` (or `error`)."""
    rp = relying_party(request)
    try:
        return await _finish_login(request, rp)
    except LoginFailed as failure:
        await request.ctx.db.rollback()
        return await _failed(request, failure)


async def _finish_login(request: Request, rp: RelyingParty) -> HTTPResponse:
    db, settings = request.ctx.db, request.app.ctx.settings
    login = await _take_login(request)
    await db.commit()  # the state is used up whatever happens next
    error, code, issuer = (_arg(request, name) for name in ("error", "code", "iss"))
    if error is not None:
        raise LoginFailed("cancelled" if error == "access_denied" else "provider_error")
    provider = await rp.provider()
    if issuer is not None and issuer != provider.issuer:  # RFC 9207: a response from another provider
        raise LoginFailed("issuer_mismatch")
    if code is None:
        raise LoginFailed("code_missing")
    tokens = await rp.redeem(provider, code, login.code_verifier)
    claims = await rp.verify(provider, tokens.id_token, nonce=login.nonce, access_token=tokens.access_token)
    cpr = await _person_of(request, claims)
    session = await db.get(WebSession, login.session_token_hash)
    if session is None or as_utc(session.expires_at) <= datetime.now(UTC):
        raise LoginFailed("session_mismatch")
    result = await on_login(db, session, cpr, settings=settings)
    result.session.eid_login = True
    next_path = after_login_path(result.session, "/?chat=open")
    await db.commit()
    response = redirect(next_path)
    sessions.set_cookie(response, settings, result.token)
    return response


async def _take_login(request: Request) -> OidcLogin:
    """The login this callback answers: known state, not expired, and started by this browser."""
    state = _arg(request, "state")
    if state is None:
        raise LoginFailed("state_invalid")
    login = await dao_take_oidc_login(request.ctx.db, _hash(state))
    if login is None:
        raise LoginFailed("state_invalid")
    request.ctx.eid_language = login.language  # the failure page speaks the language the login began in
    if as_utc(login.expires_at) <= datetime.now(UTC):
        raise LoginFailed("state_expired")
    session = await sessions.load_session(request.ctx.db, request)
    if session is None or session.token_hash != login.session_token_hash:
        raise LoginFailed("session_mismatch")
    return login


async def _person_of(request: Request, claims: dict[str, object]) -> str:
    """The CPR number of the verified claims, if the assurance is high enough and the person known."""
    db, settings = request.ctx.db, request.app.ctx.settings
    cpr = claims.get(settings.oidc_cpr_claim)
    cpr = normalise_cpr(cpr) if isinstance(cpr, str) else None
    if cpr is None:
        raise LoginFailed("cpr_missing", 403)
    known = await dao_get_person(db, cpr) is not None
    if claims.get(settings.oidc_loa_claim) not in oidc_settings.accepted_loa(settings):
        await audit.record(
            db,
            actor="citizen",
            action="citizen_login_failed",
            person_cpr=cpr if known else None,
            details={"reason": "assurance_too_low"},
        )
        await db.commit()
        raise LoginFailed("assurance_too_low", 403)
    if not known:
        raise LoginFailed("unknown_person", 403)
    return cpr


def _arg(request: Request, name: str) -> str | None:
    value = request.args.get(name)
    if not value or len(value) > MAX_PARAMETER_CHARS:
        return None
    return value


async def _failed(request: Request, failure: LoginFailed) -> HTTPResponse:
    """The citizen's page for a failed login, and an audit entry with the reason only."""
    db = request.ctx.db
    if failure.reason != "assurance_too_low":  # that one was audited with the person it names
        await audit.record(
            db, actor="citizen", action="citizen_login_failed", details={"reason": failure.reason}
        )
        await db.commit()
    request.app.ctx.logger.warning("eID login failed: %s", failure.reason)
    language = getattr(request.ctx, "eid_language", None) or await request_language(request)
    return render_page(
        "eid_failed.html",
        language,
        status=failure.status,
        title=translate(language, ui_texts.EID_FAILED_TITLE),
        text=translate(language, FAILURE_TEXTS.get(failure.reason, ui_texts.EID_REFUSED_TEXT)),
        back=translate(language, ui_texts.EID_BACK_TO_CHAT),
    )


@bp.get("/jwks.json")
async def jwks(request: Request) -> HTTPResponse:
    """Our public key for `private_key_jwt`, for the provider's client registration (404 without one)."""
    document = relying_party(request).public_jwks()
    if document is None:
        raise NotFound("no client key")
    return json(document, headers={"Cache-Control": "max-age=300"})
