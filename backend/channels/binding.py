"""Binding an SMS number or a Telegram chat to an eID-verified person.

A phone number is not an identity. When an anonymous SMS/Telegram citizen wants to apply, see a status
or read messages, the conversation gets a one-time link (128 random bits, only its SHA-256 stored,
single use, valid `LINK_TTL_MINUTES`). Opening it marks it used and remembers it on the browser's
session; the eID login that follows binds the channel's conversation to the person for
`SMS_BINDING_HOURS` / `TELEGRAM_BINDING_DAYS`, and a "resume" job in the inbound queue continues the
conversation in its own channel (the pending intent, exactly as on the web).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.auth import sessions
from backend.auth.login import register_login_hook
from backend.config import Settings
from backend.conversations import service as conversations
from backend.models.conversations import Conversation, WebSession
from backend.models.outbox import InboundMessage, LinkToken
from backend.nlg import translate
from backend.web.pages import render_page, request_language
from backend.web.ui_texts import LINK_DONE_TEXT, LINK_DONE_TITLE, LINK_INVALID_TEXT, LINK_INVALID_TITLE

bp = Blueprint("channel_binding")
LINK_PATH = "/l/"
LINK_DONE = "done"  # WebSession.pending_link after a link's login bound its channel
MAX_TOKEN_CHARS = 64


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def binding_period(channel: str, settings: Settings) -> timedelta:
    if channel == "telegram":
        return timedelta(days=settings.telegram_binding_days)
    return timedelta(hours=settings.sms_binding_hours)


async def create_link(db: AsyncSession, conversation: Conversation, settings: Settings) -> str:
    """A new one-time login link for the conversation's channel (flushed, not committed)."""
    token = secrets.token_urlsafe(16)
    now = datetime.now(UTC)
    db.add(
        LinkToken(
            token_hash=hash_token(token),
            conversation_id=conversation.id,
            channel=conversation.channel,
            address=conversation.channel_address or "",
            created_at=now,
            expires_at=now + timedelta(minutes=settings.link_ttl_minutes),
        )
    )
    await db.flush()
    return f"{settings.public_base_url}{LINK_PATH}{token}"


async def redeem(db: AsyncSession, token: str, now: datetime | None = None) -> LinkToken | None:
    """Mark the link used (compare-and-set: a second use, or a use after expiry, gets None)."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    now = now or datetime.now(UTC)
    token_hash = hash_token(token)
    result = await db.execute(
        update(LinkToken)
        .where(LinkToken.token_hash == token_hash, LinkToken.used_at.is_(None), LinkToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return await db.get(LinkToken, token_hash)


async def bind_channel(
    db: AsyncSession,
    conversation: Conversation,
    cpr: str,
    settings: Settings,
    *,
    actor: str,
    how: str,
) -> None:
    """Bind the SMS/Telegram conversation to `cpr` for the channel's binding period; audited."""
    until = datetime.now(UTC) + binding_period(conversation.channel, settings)
    await conversations.bind_person(db, conversation, cpr, until=until)
    await audit.record(
        db,
        actor=actor,
        action="channel_bound",
        person_cpr=cpr,
        details={"conversation": conversation.id, "channel": conversation.channel, "how": how},
    )


async def unbind_address(db: AsyncSession, channel: str, address: str, *, actor: str) -> int:
    """Unbind every conversation of a phone number or chat (the caseworker's or the CLI's "unbind")."""
    result = await db.execute(
        select(Conversation).where(
            Conversation.channel == channel,
            Conversation.channel_address == address,
            Conversation.person_cpr.is_not(None),
        )
    )
    unbound = 0
    for conversation in result.scalars().all():
        await audit.record(
            db,
            actor=actor,
            action="channel_unbound",
            person_cpr=conversation.person_cpr,
            details={"conversation": conversation.id, "channel": channel},
        )
        await conversations.unbind_person(db, conversation)
        unbound += 1
    return unbound


def queue_resume(db: AsyncSession, conversation: Conversation, job_id: str) -> None:
    """Ask the inbound worker to continue the conversation in its channel (the pending intent)."""
    db.add(
        InboundMessage(
            provider="internal",
            external_id=f"resume-{job_id}"[:64],
            channel=conversation.channel,
            sender=conversation.channel_address or "",
            conversation_id=conversation.id,
            text="",
            kind="resume",
        )
    )


async def _on_login(db: AsyncSession, session: WebSession, cpr: str, settings: Settings) -> None:
    """Login hook: the browser came through a one-time link, so bind that link's conversation."""
    if not session.pending_link:
        return
    link = await db.get(LinkToken, session.pending_link)
    session.pending_link = None
    if link is None:
        return
    session.pending_link = LINK_DONE  # the login page then shows "go back to your phone"
    conversation = await db.get(Conversation, link.conversation_id)
    if conversation is None or conversation.channel not in ("sms", "telegram"):
        return
    await bind_channel(db, conversation, cpr, settings, actor="citizen", how="one_time_link")
    queue_resume(db, conversation, link.token_hash[:32])


register_login_hook(_on_login)


@bp.get(f"{LINK_PATH}<token:str>")
async def open_link(request: Request, token: str) -> HTTPResponse:
    """The link from the SMS/Telegram message: single use, then on to the eID login."""
    db = request.ctx.db
    settings = request.app.ctx.settings
    link = await redeem(db, token)
    if link is None:
        await db.rollback()
        language = await request_language(request)
        return render_page(
            "message.html",
            language,
            status=410,
            title=translate(language, LINK_INVALID_TITLE),
            text=translate(language, LINK_INVALID_TEXT),
        )
    session = await sessions.load_session(db, request)
    token_to_set = None
    if session is None:
        session, token_to_set = await sessions.start_anonymous(db, settings)
    session.pending_link = link.token_hash
    await db.commit()
    response = redirect("/auth/login")
    if token_to_set:
        sessions.set_cookie(response, settings, token_to_set)
    return response


@bp.get("/linked")
async def linked(request: Request) -> HTTPResponse:
    """After a login through a one-time link: back to the phone."""
    language = await request_language(request)
    return render_page(
        "message.html",
        language,
        title=translate(language, LINK_DONE_TITLE),
        text=translate(language, LINK_DONE_TEXT),
    )


def after_login_path(session: WebSession, default: str) -> str:
    """Where the login page sends the browser: `/linked` when it bound an SMS/Telegram conversation."""
    if session.pending_link == LINK_DONE:
        session.pending_link = None
        return "/linked"
    return default


async def bind_phone(
    db: AsyncSession, cpr: str, phone: str, settings: Settings, *, actor: str
) -> Conversation:
    """A caseworker checked the citizen's identity in person and registers the phone (seed 002)."""
    conversation = await conversations.get_or_create_for_address(db, channel="sms", address=phone)
    await bind_channel(db, conversation, cpr, settings, actor=actor, how="identity_checked_in_person")
    return conversation
