"""Citizens' web sessions: a random token in an HttpOnly cookie, only its SHA-256 in the database.

An unknown, forged or expired cookie is simply no session: the caller starts a new anonymous
conversation and never sees the old one's data. Expiry slides while the citizen is active; a logged-in
conversation's binding slides with it. A logged-in session ends after `CITIZEN_IDLE_MINUTES` without
activity (an anonymous one after `SESSION_TTL_MINUTES`); its row is then emptied into an "ended" marker
(no person, no token of the eID provider) so that the chat can say why the citizen must log in again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sanic import Request
from sanic.response import HTTPResponse
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.config import Settings
from backend.conversations import service as conversations
from backend.conversations.service import as_utc
from backend.models.conversations import Conversation, WebSession

COOKIE = "inissiaq_session"
MAX_COOKIE_CHARS = 128
# Extend the expiry at most this often, so an active chat does not write the session on every message.
SLIDE_AFTER = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _ttl(settings: Settings, person_cpr: str | None = None) -> timedelta:
    """How long a session lives without activity: shorter once a person is logged in on it."""
    if person_cpr is not None:
        return timedelta(minutes=settings.citizen_idle_minutes)
    return timedelta(minutes=settings.session_ttl_minutes)


def _is_ended_marker(session: WebSession) -> bool:
    return session.person_cpr is None and session.authenticated_at is not None


async def load_session(db: AsyncSession, request: Request) -> WebSession | None:
    """The request's valid session, or None (no cookie, an unknown token, or an expired session)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > MAX_COOKIE_CHARS:
        return None
    session = await db.get(WebSession, hash_token(token))
    if session is None:
        return None
    if as_utc(session.expires_at) <= datetime.now(UTC):
        if session.person_cpr is not None:
            await _end_idle(db, session)
            await db.commit()
        elif not _is_ended_marker(session):
            await db.delete(session)
            await db.commit()
        return None
    return session


async def _unbind_idle(db: AsyncSession, session: WebSession) -> None:
    conversation = await db.get(Conversation, session.conversation_id)
    if conversation is not None and conversation.person_cpr == session.person_cpr:
        await audit.record(
            db,
            actor="system",
            action="citizen_session_idle_ended",
            person_cpr=session.person_cpr,
            details={"conversation": conversation.id},
        )
        await conversations.unbind_person(db, conversation)


async def _end_idle(db: AsyncSession, session: WebSession) -> None:
    """A logged-in session expired: unbind its conversation and keep only an empty "ended" marker."""
    await _unbind_idle(db, session)
    marker = WebSession(
        token_hash=session.token_hash,
        conversation_id=session.conversation_id,
        created_at=session.created_at,
        authenticated_at=session.authenticated_at,
        expires_at=session.expires_at,
    )
    await db.delete(session)
    await db.flush()
    db.add(marker)
    await db.flush()


async def take_ended(db: AsyncSession, request: Request) -> str | None:
    """When the request's cookie is that of a logged-in session that ran out of idle time: its
    conversation id, and the row removed (not committed), so the chat says so exactly once.
    None for any other cookie (valid, anonymous, unknown)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > MAX_COOKIE_CHARS:
        return None
    session = await db.get(WebSession, hash_token(token))
    if session is None or as_utc(session.expires_at) > datetime.now(UTC):
        return None
    if session.person_cpr is None and not _is_ended_marker(session):
        return None
    if session.person_cpr is not None:
        await _unbind_idle(db, session)
    conversation_id = session.conversation_id
    await db.delete(session)
    await db.flush()
    return conversation_id


async def exists(db: AsyncSession, session: WebSession) -> bool:
    """Whether the session's row is still there (the chat's "log out" removes it during a turn)."""
    found = await db.execute(select(WebSession.token_hash).where(WebSession.token_hash == session.token_hash))
    return found.first() is not None


async def end_for_conversation(db: AsyncSession, conversation_id: str) -> int:
    """End every browser session on the conversation (the citizen logged out in the chat)."""
    result = await db.execute(delete(WebSession).where(WebSession.conversation_id == conversation_id))
    return result.rowcount or 0


async def create_session(db: AsyncSession, settings: Settings, conversation: Conversation) -> str:
    """A new session on `conversation`; returns the cookie token (flushed, not committed)."""
    token = new_token()
    db.add(
        WebSession(
            token_hash=hash_token(token),
            conversation_id=conversation.id,
            expires_at=datetime.now(UTC) + _ttl(settings),
        )
    )
    await db.flush()
    return token


async def start_anonymous(db: AsyncSession, settings: Settings) -> tuple[WebSession, str]:
    """A new web conversation and a session on it (committed by the caller)."""
    conversation = await conversations.create_conversation(db, channel="web")
    token = await create_session(db, settings, conversation)
    session = await db.get(WebSession, hash_token(token))
    assert session is not None
    return session, token


async def rotate(db: AsyncSession, settings: Settings, session: WebSession) -> tuple[WebSession, str]:
    """Replace the session's token (after a login): the old cookie stops working at once."""
    token = new_token()
    rotated = WebSession(
        token_hash=hash_token(token),
        conversation_id=session.conversation_id,
        person_cpr=session.person_cpr,
        created_at=session.created_at,
        authenticated_at=session.authenticated_at,
        expires_at=datetime.now(UTC) + _ttl(settings, session.person_cpr),
        pending_link=session.pending_link,
    )
    await db.execute(delete(WebSession).where(WebSession.token_hash == session.token_hash))
    db.expunge(session)
    db.add(rotated)
    await db.flush()
    return rotated, token


async def slide(db: AsyncSession, settings: Settings, session: WebSession) -> bool:
    """Push the expiry forward while the citizen is active; True when the cookie should be sent again."""
    now = datetime.now(UTC)
    expires_at = now + _ttl(settings, session.person_cpr)
    if expires_at - as_utc(session.expires_at) < SLIDE_AFTER:
        return False
    session.expires_at = expires_at
    if session.person_cpr is not None:
        conversation = await db.get(Conversation, session.conversation_id)
        if conversation is not None and conversation.person_cpr == session.person_cpr:
            conversation.bound_until = expires_at
    await db.flush()
    return True


async def end(db: AsyncSession, session: WebSession) -> None:
    await db.execute(delete(WebSession).where(WebSession.token_hash == session.token_hash))


def set_cookie(response: HTTPResponse, settings: Settings, token: str) -> None:
    response.add_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="Lax",
        secure=not settings.development,
        path="/",
        max_age=settings.session_ttl_minutes * 60,
    )


def clear_cookie(response: HTTPResponse) -> None:
    response.delete_cookie(COOKIE, path="/")
