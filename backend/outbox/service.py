"""Queue a message, respect opt-outs, and record delivery reports. Callers own the transaction."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.outbox import OptOut, OutboxMessage
from backend.models.states import OUTBOX_FINAL, OutboxState

log = logging.getLogger("inissiaq.outbox")

CHANNELS = ("sms", "telegram", "email", "webhook")  # webhook: backend/machine/webhooks.py
FINAL_STATES = OUTBOX_FINAL
# Sent even to an address that opted out: the confirmation of the opt-out itself (issue 3).
OPT_OUT_EXEMPT_KINDS = frozenset({"opt_out_confirmation"})

FinalStateListener = Callable[[AsyncSession, OutboxMessage], Awaitable[None]]
# The process's listeners by name: code to call, registered by start-up hooks (not request state).
_listeners: dict[str, FinalStateListener] = {}


def register_final_state_listener(name: str, listener: FinalStateListener) -> None:
    """Call `listener(db, message)` in the outbox's transaction whenever a message's state changes after
    a provider answered (sent, delivered, undelivered, failed, opted_out). Registering a name again
    replaces its listener (an app restarted in the same process brings its own settings)."""
    _listeners[name] = listener


def unregister_final_state_listener(name: str) -> None:
    _listeners.pop(name, None)


async def notify_listeners(db: AsyncSession, message: OutboxMessage) -> None:
    for name, listener in list(_listeners.items()):
        try:
            await listener(db, message)
        except Exception:  # a listener's bug must not lose the delivery state
            log.exception("outbox listener %s failed for message %s", name, message.id)


async def is_opted_out(db: AsyncSession, channel: str, address: str) -> bool:
    return await db.get(OptOut, (channel, address)) is not None


async def opt_out(db: AsyncSession, channel: str, address: str) -> None:
    if not await is_opted_out(db, channel, address):
        db.add(OptOut(channel=channel, address=address))
        await db.flush()


async def opt_in(db: AsyncSession, channel: str, address: str) -> None:
    await db.execute(delete(OptOut).where(OptOut.channel == channel, OptOut.address == address))


async def enqueue(
    db: AsyncSession,
    *,
    channel: str,
    to: str,
    text: str,
    kind: str,
    subject: str | None = None,
    html: str | None = None,
    buttons: Sequence[dict[str, str]] | None = None,
    conversation_id: str | None = None,
    person_cpr: str | None = None,
) -> OutboxMessage | None:
    """Queue one message (flushed, not committed). None when the address has opted out of the channel."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if kind not in OPT_OUT_EXEMPT_KINDS and await is_opted_out(db, channel, to):
        log.info("not queued: the recipient opted out of %s (%s)", channel, kind)
        return None
    now = datetime.now(UTC)
    message = OutboxMessage(
        channel=channel,
        recipient=to,
        text=text,
        subject=subject,
        html=html,
        buttons=list(buttons) if buttons else None,
        kind=kind,
        conversation_id=conversation_id,
        person_cpr=person_cpr,
        status=OutboxState.CREATED,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    db.add(message)
    await db.flush()
    return message


# Twilio's MessageStatus values mapped to ours; anything before "sent" does not move the state back.
_TWILIO_STATES = {
    "delivered": OutboxState.DELIVERED,
    "undelivered": OutboxState.UNDELIVERED,
    "failed": OutboxState.FAILED,
    "sent": OutboxState.SENT,
}


async def record_delivery_report(
    db: AsyncSession, *, provider_id: str, provider_status: str, error_code: str | None = None
) -> str | None:
    """A provider's status callback. Returns the message's state afterwards, or None if unknown.

    A final state is never overwritten: a late "sent" after "delivered", or a repeated callback, changes
    nothing. Does not commit."""
    result = await db.execute(
        select(OutboxMessage).where(OutboxMessage.provider_id == provider_id).with_for_update()
    )
    message = result.scalars().first()
    if message is None:
        return None
    new_state = _TWILIO_STATES.get(provider_status.lower())
    if new_state is None or message.status in FINAL_STATES or new_state == message.status:
        return message.status
    if message.status != OutboxState.SENT and new_state == OutboxState.SENT:
        return message.status
    now = datetime.now(UTC)
    message.status = new_state
    message.updated_at = now
    if new_state in FINAL_STATES:
        message.final_at = now
        if error_code:
            message.error = f"provider error {error_code}"[:500]
    await db.flush()
    await notify_listeners(db, message)
    return message.status


def as_listing(message: OutboxMessage) -> dict[str, Any]:
    """The shape of GET /dev/outbox and the operators' view."""
    return {
        "id": message.id,
        "channel": message.channel,
        "to": message.recipient,
        "text": message.text,
        "subject": message.subject,
        "buttons": message.buttons or [],
        "kind": message.kind,
        "status": message.status,
        "attempts": message.attempts,
        "error": message.error,
        "provider_id": message.provider_id,
        "created_at": message.created_at.isoformat() if message.created_at else None,
    }


async def list_messages(
    db: AsyncSession, *, to: str | None = None, status: str | None = None, limit: int = 500
) -> list[OutboxMessage]:
    """Newest last."""
    query = select(OutboxMessage)
    if to:
        query = query.where(OutboxMessage.recipient == to)
    if status:
        query = query.where(OutboxMessage.status == status)
    result = await db.execute(query.order_by(OutboxMessage.id.desc()).limit(limit))
    return list(reversed(result.scalars().all()))
