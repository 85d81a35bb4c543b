"""Binding an SMS number or a Telegram chat to an eID-verified person.

A phone number is not an identity. When an anonymous SMS/Telegram citizen wants to apply, see a status
or read messages, the conversation gets a one-time link (`backend.applications.login.create_link`:
128 random bits, only its SHA-256 stored, single use, valid `LINK_TTL_MINUTES`). Whoever holds a link
can hand it to someone else, and link previews fetch it without anyone reading it, so:

- `GET /l/<token>` changes nothing. It shows which phone (masked) or Telegram account the link would
  connect, with a button.
- The button (a same-origin form post) remembers the link on the browser's session and goes to the
  eID login; the login binds nothing and sends the browser to `/l/confirm`.
- `/l/confirm` names the phone or account and the logged-in person again, says how to report a link
  the citizen did not ask for, and only its own same-origin POST, from a logged-in session, redeems
  the link (compare-and-set) and binds the conversation for `SMS_BINDING_HOURS` /
  `TELEGRAM_BINDING_DAYS`; a "resume" job in the inbound queue then continues the conversation in its
  own channel (the pending intent, exactly as on the web).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications.login import LINK_PATH, hash_token
from backend.auth import sessions
from backend.auth.login import require_same_origin
from backend.config import Settings
from backend.conversations import language as languages
from backend.conversations import service as conversations
from backend.conversations.service import as_utc
from backend.dao.registers import dao_get_person
from backend.errors import Unauthorized
from backend.models.conversations import Conversation, WebSession
from backend.models.outbox import InboundMessage, LinkToken
from backend.nlg import translate
from backend.phones import mask_phone
from backend.web import ui_texts as t
from backend.web.pages import e, render_page, request_language

bp = Blueprint("channel_binding")
CONFIRM_PATH = "/l/confirm"
CANCEL_PATH = "/l/cancel"
LINKED_PATH = "/linked"
MAX_TOKEN_CHARS = 64
MAX_FORM_BYTES = 1024


def _hash_of(token: object) -> str | None:
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        return None
    return hash_token(token)


def binding_period(channel: str, settings: Settings) -> timedelta:
    if channel == "telegram":
        return timedelta(days=settings.telegram_binding_days)
    return timedelta(hours=settings.sms_binding_hours)


async def usable_link(
    db: AsyncSession, token_hash: str | None, now: datetime | None = None
) -> LinkToken | None:
    """The unused, unexpired link with this hash; reads only (opening a link changes nothing)."""
    if not token_hash:
        return None
    link = await db.get(LinkToken, token_hash)
    if link is None or link.used_at is not None or as_utc(link.expires_at) <= (now or datetime.now(UTC)):
        return None
    return link


async def redeem_hash(db: AsyncSession, token_hash: str, now: datetime | None = None) -> LinkToken | None:
    """Mark the link used (compare-and-set: a second use, or a use after expiry, gets None)."""
    now = now or datetime.now(UTC)
    result = await db.execute(
        update(LinkToken)
        .where(LinkToken.token_hash == token_hash, LinkToken.used_at.is_(None), LinkToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return await db.get(LinkToken, token_hash, populate_existing=True)


async def redeem(db: AsyncSession, token: str, now: datetime | None = None) -> LinkToken | None:
    """`redeem_hash` for the token itself (None for anything that cannot be a token)."""
    token_hash = _hash_of(token)
    return await redeem_hash(db, token_hash, now) if token_hash else None


async def bind_channel(
    db: AsyncSession,
    conversation: Conversation,
    cpr: str,
    settings: Settings,
    *,
    actor: str,
    how: str,
) -> None:
    """Bind the SMS/Telegram conversation to `cpr` for the channel's binding period; audited. The
    register's language becomes the conversation's unless it is known better (as at a web login), so a
    citizen who only sent a file is answered in their own language."""
    until = datetime.now(UTC) + binding_period(conversation.channel, settings)
    await conversations.bind_person(db, conversation, cpr, until=until)
    person = await dao_get_person(db, cpr)
    if person is not None:
        languages.apply_register(conversation, person.language)
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


async def confirm(
    db: AsyncSession, session: WebSession, token_hash: str, settings: Settings
) -> Conversation | None:
    """The citizen logged in on `session` confirmed the link: redeem it, bind its conversation to them
    and queue the continuation (not committed). None when the link was used or expired meanwhile."""
    assert session.person_cpr is not None
    session.pending_link = None
    link = await redeem_hash(db, token_hash)
    if link is None:
        return None
    conversation = await db.get(Conversation, link.conversation_id)
    if conversation is None or conversation.channel not in ("sms", "telegram"):
        return None
    await bind_channel(db, conversation, session.person_cpr, settings, actor="citizen", how="one_time_link")
    queue_resume(db, conversation, link.token_hash[:32])
    return conversation


# What the pages show about a link ---------------------------------------------------------------


@dataclass(frozen=True)
class LinkTarget:
    """The phone or Telegram account a link would connect, as far as it may be shown to its holder."""

    channel: str
    masked_address: str
    name: str | None = None  # Telegram: first name and last initial, as the account holder set them

    def question(self, language: str) -> str:
        if self.channel == "telegram" and self.name:
            return translate(
                language, t.LINK_CONNECT_TELEGRAM_NAMED, name=self.name, chat=self.masked_address
            )
        if self.channel == "telegram":
            return translate(language, t.LINK_CONNECT_TELEGRAM, chat=self.masked_address)
        return translate(language, t.LINK_CONNECT_PHONE, number=self.masked_address)


def mask_chat_id(chat_id: str) -> str:
    """Only the last three digits of a Telegram chat id: "*****242"."""
    return "*" * max(len(chat_id) - 3, 3) + chat_id[-3:]


async def describe(db: AsyncSession, link: LinkToken) -> LinkTarget:
    if link.channel != "telegram":
        return LinkTarget(link.channel, mask_phone(link.address))
    name = (
        await db.execute(
            select(InboundMessage.sender_name)
            .where(
                InboundMessage.channel == "telegram",
                InboundMessage.sender == link.address,
                InboundMessage.sender_name.is_not(None),
            )
            .order_by(InboundMessage.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return LinkTarget("telegram", mask_chat_id(link.address), name)


# The pages -------------------------------------------------------------------------------------


def _invalid(language: str) -> HTTPResponse:
    return render_page(
        "message.html",
        language,
        status=410,
        title=translate(language, t.LINK_INVALID_TITLE),
        text=translate(language, t.LINK_INVALID_TEXT),
    )


def _paragraphs(*texts: str) -> str:
    return "\n".join(f"  <p>{e(text)}</p>" for text in texts if text)


def _cancel_form(language: str) -> str:
    return (
        f'    <form method="post" action="{CANCEL_PATH}">'
        f'<button type="submit" class="button button-secondary">{e(translate(language, t.LINK_DO_NOT_CONNECT))}</button>'
        "</form>"
    )


def _link_page(
    request: Request, language: str, target: LinkTarget, *, person_name: str | None, token: str | None = None
) -> HTTPResponse:
    """Before login: a button to log in. After login: the person named, a Connect button and a way out."""
    settings = request.app.ctx.settings
    report = translate(language, t.LINK_NOT_REQUESTED, contact=settings.municipality_contact)
    if person_name is None:
        return render_page(
            "link.html",
            language,
            title=translate(language, t.LINK_CONFIRM_TITLE),
            question=target.question(language),
            paragraphs_html=_paragraphs(translate(language, t.LINK_LOGIN_FIRST)),
            action=f"{LINK_PATH}{token}",
            hidden_html="",
            button=translate(language, t.LINK_LOG_IN),
            cancel_html="",
            report=report,
        )
    hidden = f'      <input type="hidden" name="token" value="{e(token)}">' if token else ""
    return render_page(
        "link.html",
        language,
        title=translate(language, t.LINK_CONFIRM_TITLE),
        question=target.question(language),
        paragraphs_html=_paragraphs(
            translate(language, t.LINK_LOGGED_IN_AS, name=person_name),
            translate(language, t.LINK_CONFIRM_TEXT),
        ),
        action=CONFIRM_PATH,
        hidden_html=hidden,
        button=translate(language, t.LINK_CONNECT),
        cancel_html=_cancel_form(language),
        report=report,
    )


async def _person_name(db: AsyncSession, session: WebSession | None) -> str | None:
    if session is None or session.person_cpr is None:
        return None
    person = await dao_get_person(db, session.person_cpr)
    return person.name if person is not None else None


def _form_token(request: Request) -> str | None:
    if len(request.body or b"") > MAX_FORM_BYTES or not request.form:
        return None
    token = request.form.get("token")
    return token if isinstance(token, str) else None


@bp.get(f"{LINK_PATH}<token:str>")
async def open_link(request: Request, token: str) -> HTTPResponse:
    """The link from the SMS/Telegram message. Safe for link previews: it reads and shows, nothing more."""
    db = request.ctx.db
    language = await request_language(request)
    link = await usable_link(db, _hash_of(token))
    if link is None:
        return _invalid(language)
    session = await sessions.load_session(db, request)
    name = await _person_name(db, session)
    page = _link_page(request, language, await describe(db, link), person_name=name, token=token)
    await db.rollback()
    return page


@bp.post(f"{LINK_PATH}<token:str>")
async def start_link(request: Request, token: str) -> HTTPResponse:
    """The button before login: remember the link on this browser's session, then the eID login."""
    require_same_origin(request)
    db, settings = request.ctx.db, request.app.ctx.settings
    link = await usable_link(db, _hash_of(token))
    if link is None:
        return _invalid(await request_language(request))
    session = await sessions.load_session(db, request)
    token_to_set = None
    if session is None:
        session, token_to_set = await sessions.start_anonymous(db, settings)
    session.pending_link = link.token_hash
    await db.commit()
    response = redirect("/auth/login", status=303)
    if token_to_set:
        sessions.set_cookie(response, settings, token_to_set)
    return response


@bp.get(CONFIRM_PATH)
async def confirmation_page(request: Request) -> HTTPResponse:
    """After the login: the phone or account and the person, and the Connect button."""
    db = request.ctx.db
    language = await request_language(request)
    session = await sessions.load_session(db, request)
    link = await usable_link(db, session.pending_link if session is not None else None)
    if session is None or link is None:
        if session is not None and session.pending_link:
            session.pending_link = None
            await db.commit()
        return _invalid(language)
    name = await _person_name(db, session)
    if name is None:
        return redirect("/auth/login", status=303)
    page = _link_page(request, language, await describe(db, link), person_name=name)
    await db.rollback()
    return page


@bp.post(CONFIRM_PATH)
async def confirm_link(request: Request) -> HTTPResponse:
    """The Connect button: the only request that binds a phone or chat to a person through a link."""
    require_same_origin(request)
    db, settings = request.ctx.db, request.app.ctx.settings
    session = await sessions.load_session(db, request)
    if session is None or session.person_cpr is None:
        raise Unauthorized("log in first", code="login_required")
    form_token = _form_token(request)
    token_hash = _hash_of(form_token) if form_token is not None else session.pending_link
    conversation = await confirm(db, session, token_hash, settings) if token_hash else None
    await db.commit()
    if conversation is None:
        return _invalid(await request_language(request))
    return redirect(LINKED_PATH, status=303)


@bp.post(CANCEL_PATH)
async def cancel_link(request: Request) -> HTTPResponse:
    """The "Do not connect" button: the browser forgets the link (which stays unused until it expires)."""
    require_same_origin(request)
    db = request.ctx.db
    session = await sessions.load_session(db, request)
    if session is not None and session.pending_link:
        session.pending_link = None
        await db.commit()
    language = await request_language(request)
    return render_page(
        "message.html",
        language,
        title=translate(language, t.LINK_CANCELLED_TITLE),
        text=translate(language, t.LINK_CANCELLED_TEXT),
    )


@bp.get(LINKED_PATH)
async def linked(request: Request) -> HTTPResponse:
    """After the confirmation: back to the phone."""
    language = await request_language(request)
    return render_page(
        "message.html",
        language,
        title=translate(language, t.LINK_DONE_TITLE),
        text=translate(language, t.LINK_DONE_TEXT),
    )


def after_login_path(session: WebSession, default: str) -> str:
    """Where the login sends the browser: the confirmation page when it came through a one-time link.

    The login itself binds nothing: only the confirmation page's own POST does."""
    return CONFIRM_PATH if session.pending_link else default


async def bind_phone(
    db: AsyncSession, cpr: str, phone: str, settings: Settings, *, actor: str
) -> Conversation:
    """A caseworker checked the citizen's identity in person and registers the phone (seed 002)."""
    conversation = await conversations.get_or_create_for_address(db, channel="sms", address=phone)
    await bind_channel(db, conversation, cpr, settings, actor=actor, how="identity_checked_in_person")
    return conversation
