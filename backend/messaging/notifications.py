"""One neutral notification per burst of messages, on the citizen's first channel with an address;
on permanent failure, the next channel (the outbox reports final states to `on_final_state`)."""

from __future__ import annotations

import html
import logging
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.messaging import texts
from backend.models.applications import Application
from backend.models.conversations import Conversation
from backend.models.messaging import ContactPreference, Notification, SecureMessage
from backend.models.states import OUTBOX_NOT_RECEIVED, NotificationStatus, OutboxState
from backend.outbox.service import enqueue, register_final_state_listener

log = logging.getLogger("inissiaq.messaging")

CHANNELS = ("sms", "email", "telegram")
MESSAGE_KIND = "message_notification"
DECISION_KIND = "decision_notification"
# The outbox kind of a notice → its text and e-mail subject (texts.py); a fallback keeps the kind.
_TEXTS = {
    MESSAGE_KIND: (texts.NOTIFICATION_TEXT, texts.NOTIFICATION_SUBJECT),
    DECISION_KIND: (texts.DECISION_NOTIFICATION_TEXT, texts.DECISION_NOTIFICATION_SUBJECT),
}
DEFAULT_CHANNELS = ["sms", "email", "telegram"]


async def start(app: Any) -> None:
    """Startup hook: follow the outbox's final states for fallbacks, with this app's settings."""
    register_final_state_listener("notifications", partial(on_final_state, settings=app.ctx.settings))


async def preference_for(db: AsyncSession, cpr: str) -> ContactPreference | None:
    return await db.get(ContactPreference, cpr)


async def address_for(
    db: AsyncSession, cpr: str, channel: str, preference: ContactPreference | None
) -> str | None:
    """Where to send on a channel: the citizen's chosen contact data, else what the application gave."""
    if channel == "sms":
        if preference and preference.phone_e164:
            return preference.phone_e164
        latest = await db.execute(
            select(Application.phone_e164)
            .where(Application.person_cpr == cpr)
            .order_by(Application.submitted_at.desc())
            .limit(1)
        )
        return latest.scalars().first()
    if channel == "email":
        return preference.email if preference else None
    if channel == "telegram":
        chat = await db.execute(
            select(Conversation.channel_address)
            .where(Conversation.person_cpr == cpr, Conversation.channel == "telegram")
            .order_by(Conversation.updated_at.desc())
            .limit(1)
        )
        return chat.scalars().first()
    return None


async def language_for(
    db: AsyncSession, cpr: str, preference: ContactPreference | None, settings: Settings
) -> str:
    if preference and preference.language:
        return preference.language
    latest = await db.execute(
        select(Conversation.language)
        .where(Conversation.person_cpr == cpr, Conversation.language.is_not(None))
        .order_by(Conversation.updated_at.desc())
        .limit(1)
    )
    return latest.scalars().first() or settings.default_language


def channels_of(preference: ContactPreference | None) -> list[str]:
    chosen = [c for c in (preference.channels if preference else []) or [] if c in CHANNELS]
    return chosen or list(DEFAULT_CHANNELS)


async def notify_new_message(
    db: AsyncSession, message: SecureMessage, cpr: str, settings: Settings, *, now: datetime | None = None
) -> Notification | None:
    """Attach the message to a notification of the last few minutes, or send a new one. No commit."""
    now = now or datetime.now(UTC)
    since = now - timedelta(minutes=settings.notification_window_minutes)
    recent = await db.execute(
        select(Notification)
        .where(
            Notification.person_cpr == cpr,
            Notification.fallback_of.is_(None),
            Notification.created_at >= since,
        )
        .order_by(Notification.created_at.desc())
        .limit(1)
    )
    notification = recent.scalars().first()
    if notification is None:
        notification = await _send_from(db, cpr, settings, after=None, fallback_of=None, now=now)
    if notification is not None:
        message.notification_id = notification.id
    return notification


async def notify_decision(
    db: AsyncSession, cpr: str, settings: Settings, *, now: datetime | None = None
) -> Notification | None:
    """A neutral "there is news about your application" notice for a decision, never merged with a
    message's notice (each decision gets its own). No commit."""
    return await _send_from(
        db, cpr, settings, after=None, fallback_of=None, now=now or datetime.now(UTC), kind=DECISION_KIND
    )


async def _send_from(
    db: AsyncSession,
    cpr: str,
    settings: Settings,
    *,
    after: str | None,
    fallback_of: int | None,
    now: datetime,
    kind: str = MESSAGE_KIND,
) -> Notification | None:
    """Queue a notification on the first channel (after `after`) that has an address and is accepted."""
    preference = await preference_for(db, cpr)
    channels = channels_of(preference)
    if after in channels:
        channels = channels[channels.index(after) + 1 :]
    language = await language_for(db, cpr, preference, settings)
    login_url = f"{settings.public_base_url}/auth/login"
    text_msgid, subject_msgid = _TEXTS.get(kind, _TEXTS[MESSAGE_KIND])
    text = texts.render(language, text_msgid, login_url=login_url)
    for channel in channels:
        to = await address_for(db, cpr, channel, preference)
        if not to:
            continue
        extra: dict[str, Any] = {}
        if channel == "email":
            extra = {
                "subject": texts.render(language, subject_msgid),
                "html": f"<p>{html.escape(text)}</p>",
            }
        queued = await enqueue(db, channel=channel, to=to, text=text, kind=kind, person_cpr=cpr, **extra)
        if queued is None:
            continue  # opted out of this channel
        notification = Notification(
            person_cpr=cpr,
            channel=channel,
            language=language,
            outbox_message_id=getattr(queued, "id", None),
            status=NotificationStatus.QUEUED,
            fallback_of=fallback_of,
            created_at=now,
            updated_at=now,
        )
        db.add(notification)
        await db.flush()
        return notification
    if fallback_of is None:
        notification = Notification(
            person_cpr=cpr,
            channel="none",
            language=language,
            status=NotificationStatus.NO_CHANNEL,
            created_at=now,
            updated_at=now,
        )
        db.add(notification)
        await db.flush()
        return notification
    return None


_NOTIFICATION_AFTER = {
    OutboxState.SENT: NotificationStatus.SENT,
    OutboxState.DELIVERED: NotificationStatus.DELIVERED,
    OutboxState.UNKNOWN: NotificationStatus.UNKNOWN,
}


async def on_final_state(db: AsyncSession, outbox_message: Any, *, settings: Settings) -> None:
    """Outbox listener: record how a notification went; after a permanent failure, try the next channel.
    Runs in the outbox's transaction (no commit here)."""
    result = await db.execute(select(Notification).where(Notification.outbox_message_id == outbox_message.id))
    notification = result.scalars().first()
    if notification is None:
        return  # not one of ours
    status = str(getattr(outbox_message, "status", "") or "")
    now = datetime.now(UTC)
    notification.updated_at = now
    if status in OUTBOX_NOT_RECEIVED:
        fallback = await _send_from(
            db,
            notification.person_cpr,
            settings,
            after=notification.channel,
            fallback_of=notification.id,
            now=now,
            kind=str(getattr(outbox_message, "kind", None) or MESSAGE_KIND),
        )
        notification.status = (
            NotificationStatus.FALLEN_BACK if fallback is not None else NotificationStatus.FAILED
        )
    else:
        notification.status = _NOTIFICATION_AFTER.get(status, NotificationStatus.SENT)


async def notification_history(db: AsyncSession, first: Notification | None) -> list[dict[str, Any]]:
    """A notification and its fallbacks, for the caseworker: channel, status, when."""
    chain: list[dict[str, Any]] = []
    current = first
    while current is not None:
        chain.append(
            {
                "channel": current.channel,
                "status": current.status,
                "at": current.updated_at.isoformat() if current.updated_at else None,
            }
        )
        nxt = await db.execute(select(Notification).where(Notification.fallback_of == current.id).limit(1))
        current = nxt.scalars().first()
    return chain
