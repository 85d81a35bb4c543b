"""Secure messages: a caseworker writes (the citizen gets one neutral notification), the citizen reads
(read_at) and replies, a caseworker journals; the citizen changes contact data.

Every function takes the session and commits when it says so; a citizen only ever reaches the threads
of the person logged in on their conversation.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.config import Settings
from backend.errors import InvalidInput, NotFound
from backend.messaging.notifications import (
    CHANNELS,
    address_for,
    channels_of,
    notification_history,
    notify_new_message,
)
from backend.models.applications import Application
from backend.models.messaging import ContactPreference, Notification, SecureMessage, Thread

MAX_TEXT = 4000
READ_BACK_WHEN_NONE_UNREAD = 3


def clean_message_text(text: Any) -> str:
    """Plain text: control characters (other than newlines and tabs) removed, trimmed, bounded."""
    if not isinstance(text, str):
        raise InvalidInput("text must be a string")
    cleaned = "".join(ch for ch in text if ch in "\n\t" or ch.isprintable()).strip()
    if not cleaned:
        raise InvalidInput("text must not be empty")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput(f"text must be at most {MAX_TEXT} characters")
    return cleaned


async def thread_for(db: AsyncSession, cpr: str, application_reference: str | None) -> Thread:
    """The person's thread for that application (or their general thread); created when missing."""
    query = select(Thread).where(Thread.person_cpr == cpr)
    query = query.where(
        Thread.application_reference == application_reference
        if application_reference
        else Thread.application_reference.is_(None)
    )
    thread = (await db.execute(query.order_by(Thread.id).limit(1))).scalars().first()
    if thread is None:
        thread = Thread(person_cpr=cpr, application_reference=application_reference)
        db.add(thread)
        await db.flush()
    return thread


async def resolve_recipient(
    db: AsyncSession, *, cpr: str | None, application_reference: str | None
) -> tuple[str, str | None]:
    """(cpr, reference) from either a CPR number or an application reference; both must then name
    the same citizen (a message never goes to someone else by a slip)."""
    from backend.cpr import normalise_cpr

    if application_reference:
        found = await db.execute(select(Application).where(Application.reference == application_reference))
        application = found.scalars().first()
        if application is None:
            raise NotFound("unknown application")
        if cpr and normalise_cpr(cpr) != application.person_cpr:
            raise InvalidInput("cpr and application_reference name different citizens", code="mismatch")
        return application.person_cpr, application.reference
    digits = normalise_cpr(cpr or "")
    if digits is None:
        raise InvalidInput("cpr or application_reference is required")
    return digits, None


async def caseworker_writes(
    db: AsyncSession,
    *,
    caseworker_id: int | None,
    cpr: str,
    application_reference: str | None,
    text: str,
    settings: Settings,
    now: datetime | None = None,
    actor: str | None = None,
) -> SecureMessage:
    """Store the message and queue the neutral notification (in the same transaction). Commits.
    A machine client writes without a caseworker id, audited as `actor` (`client:<name>`)."""
    now = now or datetime.now(UTC)
    thread = await thread_for(db, cpr, application_reference)
    thread.updated_at = now
    message = SecureMessage(
        thread_id=thread.id,
        sender="caseworker",
        caseworker_id=caseworker_id,
        text=clean_message_text(text),
        created_at=now,
    )
    db.add(message)
    await db.flush()
    await notify_new_message(db, message, cpr, settings, now=now)
    await audit.record(
        db,
        actor=actor or f"caseworker:{caseworker_id}",
        action="message_sent",
        person_cpr=cpr,
        application_reference=application_reference,
        details={"message_id": message.id},
    )
    await db.commit()
    return message


async def messages_of(db: AsyncSession, cpr: str) -> list[tuple[SecureMessage, Thread]]:
    rows = await db.execute(
        select(SecureMessage, Thread)
        .join(Thread, Thread.id == SecureMessage.thread_id)
        .where(Thread.person_cpr == cpr)
        .order_by(SecureMessage.created_at, SecureMessage.id)
    )
    return [(message, thread) for message, thread in rows.all()]


async def citizen_reads(db: AsyncSession, cpr: str, *, now: datetime | None = None) -> list[SecureMessage]:
    """The caseworkers' unread messages to this person, now marked read; when none is unread, the last
    few already read. Commits."""
    now = now or datetime.now(UTC)
    from_caseworkers = [m for m, _ in await messages_of(db, cpr) if m.sender == "caseworker"]
    unread = [m for m in from_caseworkers if m.read_at is None]
    for message in unread:
        message.read_at = now
    if unread:
        await audit.record(
            db,
            actor="citizen",
            action="messages_read",
            person_cpr=cpr,
            details={"ids": [m.id for m in unread]},
        )
    await db.commit()
    return unread or from_caseworkers[-READ_BACK_WHEN_NONE_UNREAD:]


async def citizen_writes(
    db: AsyncSession,
    cpr: str,
    text: str,
    *,
    application_reference: str | None = None,
    now: datetime | None = None,
) -> SecureMessage:
    """A reply (to the thread the person was last written in) or a new message to the municipality.
    Commits."""
    now = now or datetime.now(UTC)
    if application_reference is None:
        latest = await db.execute(
            select(Thread)
            .where(Thread.person_cpr == cpr)
            .order_by(Thread.updated_at.desc(), Thread.id.desc())
            .limit(1)
        )
        thread = latest.scalars().first() or await thread_for(db, cpr, None)
    else:
        thread = await thread_for(db, cpr, application_reference)
    thread.updated_at = now
    message = SecureMessage(
        thread_id=thread.id, sender="citizen", text=clean_message_text(text), created_at=now
    )
    db.add(message)
    await db.flush()
    await audit.record(
        db,
        actor="citizen",
        action="message_received",
        person_cpr=cpr,
        application_reference=thread.application_reference,
        details={"message_id": message.id},
    )
    await db.commit()
    return message


async def caseworker_reads(db: AsyncSession, *, caseworker_id: int, cpr: str) -> list[dict[str, Any]]:
    """Every message with this person, citizens' ones marked read by the caseworker. Audited; commits."""
    now = datetime.now(UTC)
    out = []
    for message, thread in await messages_of(db, cpr):
        if message.sender == "citizen" and message.read_at is None:
            message.read_at = now
        notification = (
            await db.get(Notification, message.notification_id) if message.notification_id else None
        )
        out.append(
            {
                **message_record(message, thread),
                "notifications": await notification_history(db, notification),
            }
        )
    await audit.record(db, actor=f"caseworker:{caseworker_id}", action="messages_viewed", person_cpr=cpr)
    await db.commit()
    return out


def message_record(message: SecureMessage, thread: Thread) -> dict[str, Any]:
    return {
        "id": message.id,
        "thread_id": thread.id,
        "application_reference": thread.application_reference,
        "from": message.sender,
        "caseworker_id": message.caseworker_id,
        "text": message.text,
        "sent_at": _iso(message.created_at),
        "read_at": _iso(message.read_at),
        "journaled": message.journaled,
    }


async def journal(db: AsyncSession, *, caseworker_id: int, message_id: int) -> SecureMessage:
    """Mark a message as journaled: it then belongs in its application's export. Commits."""
    message = await db.get(SecureMessage, message_id)
    if message is None:
        raise NotFound("unknown message")
    thread = await db.get(Thread, message.thread_id)
    assert thread is not None
    if not message.journaled:
        message.journaled = True
        message.journaled_at = datetime.now(UTC)
        await audit.record(
            db,
            actor=f"caseworker:{caseworker_id}",
            action="message_journaled",
            person_cpr=thread.person_cpr,
            application_reference=thread.application_reference,
            details={"message_id": message.id},
        )
    await db.commit()
    return message


async def journaled_messages(db: AsyncSession, cpr: str, reference: str) -> list[dict[str, Any]]:
    """Journaled messages of the application's thread, and the person's general thread."""
    return [
        message_record(message, thread)
        for message, thread in await messages_of(db, cpr)
        if message.journaled and thread.application_reference in (reference, None)
    ]


async def change_contact(
    db: AsyncSession,
    cpr: str,
    *,
    phone: str | None = None,
    email: str | None = None,
    channels: list[str] | None = None,
    language: str | None = None,
    changed_by: str,
    actor: str,
) -> ContactPreference:
    """Update the person's contact data (seed 004: shown as changed by the citizen or a caseworker).
    Commits."""
    from backend.phones import require_phone

    preference = await db.get(ContactPreference, cpr)
    if preference is None:
        preference = ContactPreference(person_cpr=cpr, channels=[])
        db.add(preference)
    if phone is not None:
        preference.phone_e164 = require_phone(phone)
    if email is not None:
        email = email.strip()
        if email and ("@" not in email or len(email) > 200 or any(c.isspace() for c in email)):
            raise InvalidInput("email is not valid", code="invalid_email")
        preference.email = email or None
    if channels is not None:
        if not isinstance(channels, list) or any(c not in CHANNELS for c in channels):
            raise InvalidInput(f"channels must be a list of {', '.join(CHANNELS)}")
        channels = list(dict.fromkeys(channels))
        if channels and phone is None and email is None:
            # A choice of channel alone: only one the municipality can reach the citizen on.
            if await address_for(db, cpr, channels[0], preference) is None:
                raise InvalidInput(f"no address for {channels[0]}", code="no_address")
        preference.channels = channels
    if language is not None:
        preference.language = language
    preference.changed_by = changed_by
    preference.changed_at = datetime.now(UTC)
    await audit.record(db, actor=actor, action="contact_changed", person_cpr=cpr, details={"by": changed_by})
    await db.commit()
    return preference


async def current_contact(db: AsyncSession, cpr: str) -> dict[str, Any]:
    """The phone, e-mail and channels notifications use now (the chosen data, else the phone the
    latest application gave)."""
    preference = await db.get(ContactPreference, cpr)
    return {
        "phone": await address_for(db, cpr, "sms", preference),
        "email": await address_for(db, cpr, "email", preference),
        "channels": channels_of(preference),
        "changed_by": preference.changed_by if preference else None,
    }


def contact_record(preference: ContactPreference | None) -> dict[str, Any] | None:
    if preference is None:
        return None
    return {
        "channels": preference.channels,
        "phone": preference.phone_e164,
        "email": preference.email,
        "changed_by": preference.changed_by,
        "changed_at": _iso(preference.changed_at),
    }


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()
