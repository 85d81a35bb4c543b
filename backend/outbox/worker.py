"""Send what the outbox holds: in order per recipient, retried with backoff, never twice.

Exactly-once towards the provider as far as we control it (the order GOV.UK Notify uses): a message is
claimed with a compare-and-set from `created` to `sending` and that is committed *before* the provider
is called. A crash after the provider accepted leaves the row in `sending`; it is never sent again
(after `STUCK_AFTER` it shows as `unknown` for operators). Temporary failures put the row back to
`created` with a later `next_attempt_at`; permanent ones end in `failed`.

Each recipient's messages go strictly one after another: a row is a candidate only when no older row
for the same recipient is still `created` or `sending`. A rate limit (Telegram's 429 `retry_after`,
Twilio's 429) holds only that recipient (`RecipientHold`); Telegram's one message per second per chat
is a hold of one second after each send. Every instance may run this loop: the claim decides.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from backend.background import repeat, start_loop, stop_loop
from backend.clients.base import (
    Outgoing,
    OutgoingButton,
    PermanentFailure,
    ProviderClient,
    TemporaryFailure,
)
from backend.clients.factory import build_clients
from backend.clients.webhook import WebhookClient
from backend.db import upsert_insert
from backend.models.outbox import OutboxAttempt, OutboxMessage, ProviderRateSlot, RecipientHold
from backend.models.states import OutboxState
from backend.outbox.service import is_opted_out, notify_listeners

log = logging.getLogger("inissiaq.outbox")

BATCH = 20
IDLE_SECONDS = 0.2
MAX_ATTEMPTS = 8
RETRY_BASE_SECONDS = 2.0  # 2, 4, 8, ... seconds, capped
RETRY_CAP_SECONDS = 600.0
STUCK_AFTER = timedelta(minutes=10)
PER_CHAT_INTERVAL = {"telegram": 1.0}  # seconds between two messages to one chat
GLOBAL_RATE = {"telegram": 30.0, "sms": 50.0, "email": 20.0}  # messages per second, all instances
# After the provider took it: SMS waits for Twilio's delivery report; Telegram's answer is final.
STATE_AFTER_ACCEPT = {
    "sms": OutboxState.SENT,
    "telegram": OutboxState.DELIVERED,
    "email": OutboxState.SENT,
    "webhook": OutboxState.DELIVERED,  # the receiver's 2xx is final
}


class RateLimiter:
    """The providers' overall limits, shared by every worker instance through the database: each send
    reserves the channel's next slot (`outbox_rate_slots`, one atomic upsert) and waits for it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], rates: dict[str, float]) -> None:
        self._sessions = sessions
        self._rates = rates

    async def reserve(self, channel: str, now: float) -> float:
        """The start of this send's slot (seconds since the epoch): never closer than 1/rate to any
        other instance's slot."""
        rate = self._rates.get(channel)
        if not rate:
            return now
        step = 1.0 / rate
        async with self._sessions() as db:
            column = ProviderRateSlot.next_at
            statement = (
                upsert_insert(db, ProviderRateSlot)
                .values(channel=channel, next_at=now + step)
                .on_conflict_do_update(
                    index_elements=[ProviderRateSlot.channel],
                    set_={"next_at": case((column > now, column), else_=now) + step},
                )
                .returning(ProviderRateSlot.next_at)
            )
            next_at = (await db.execute(statement)).scalar_one()
            await db.commit()
        return float(next_at) - step

    async def wait(self, channel: str) -> None:
        now = time.time()
        slot = await self.reserve(channel, now)
        if slot > now:
            await asyncio.sleep(slot - now)


def backoff(attempts: int, base: float = RETRY_BASE_SECONDS) -> timedelta:
    return timedelta(seconds=min(RETRY_CAP_SECONDS, base * (2 ** max(0, attempts - 1))))


async def due_message_ids(db: AsyncSession, now: datetime, limit: int = BATCH) -> list[int]:
    """The oldest due `created` message of each recipient whose queue is not held."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(
        and_(
            earlier.channel == OutboxMessage.channel,
            earlier.recipient == OutboxMessage.recipient,
            earlier.id < OutboxMessage.id,
            earlier.status.in_((OutboxState.CREATED, OutboxState.SENDING)),
        )
    )
    held = exists().where(
        and_(
            RecipientHold.channel == OutboxMessage.channel,
            RecipientHold.recipient == OutboxMessage.recipient,
            RecipientHold.until > now,
        )
    )
    result = await db.execute(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxState.CREATED, OutboxMessage.next_attempt_at <= now, ~blocked, ~held
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(result.scalars().all())


async def claim(db: AsyncSession, message_id: int, now: datetime) -> OutboxMessage | None:
    """created → sending (compare-and-set), with an attempt row; committed. None if another took it."""
    result = await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxState.CREATED)
        .values(status=OutboxState.SENDING, attempts=OutboxMessage.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await db.rollback()
        return None
    message = await db.get(OutboxMessage, message_id, populate_existing=True)
    assert message is not None
    if await is_opted_out(db, message.channel, message.recipient) and message.kind != "opt_out_confirmation":
        message.status = OutboxState.OPTED_OUT
        message.final_at = now
        message.error = "the recipient opted out before it was sent"
        await notify_listeners(db, message)
        await db.commit()
        return None
    db.add(OutboxAttempt(message_id=message_id, started_at=now))
    await db.commit()
    return message


async def _hold(db: AsyncSession, channel: str, recipient: str, until: datetime) -> None:
    values = {"channel": channel, "recipient": recipient, "until": until}
    statement = upsert_insert(db, RecipientHold).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[RecipientHold.channel, RecipientHold.recipient], set_={"until": until}
    )
    await db.execute(statement)


async def _finish_attempt(db: AsyncSession, message_id: int, outcome: str, **values: object) -> None:
    result = await db.execute(
        select(OutboxAttempt)
        .where(OutboxAttempt.message_id == message_id, OutboxAttempt.outcome == "started")
        .order_by(OutboxAttempt.id.desc())
        .limit(1)
    )
    attempt = result.scalars().first()
    if attempt is not None:
        attempt.outcome = outcome
        attempt.finished_at = datetime.now(UTC)
        for key, value in values.items():
            setattr(attempt, key, value)


def outgoing(message: OutboxMessage) -> Outgoing:
    return Outgoing(
        channel=message.channel,
        to=message.recipient,
        text=message.text,
        subject=message.subject,
        html=message.html,
        buttons=[OutgoingButton(b["title"], b["payload"]) for b in message.buttons or []],
        reference=str(message.id),
    )


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    clients: dict[str, ProviderClient],
    message_id: int,
    *,
    limiter: RateLimiter | None = None,
    retry_base: float = RETRY_BASE_SECONDS,
) -> str | None:
    """Claim, send and record one message. Returns its state afterwards (None if not claimed)."""
    async with sessions() as db:
        message = await claim(db, message_id, datetime.now(UTC))
        if message is None:
            return None
        request = outgoing(message)
        channel, recipient, attempts = message.channel, message.recipient, message.attempts
    if limiter is not None:
        await limiter.wait(channel)
    client = clients.get(channel)
    provider_id: str | None = None
    failure: Exception | None = None
    try:
        if client is None:
            raise PermanentFailure(f"no client for channel {channel}")
        provider_id = await client.send(request)
    except (TemporaryFailure, PermanentFailure) as error:
        failure = error
    except Exception as error:  # an unexpected client bug: retry like a network error, and log it
        log.exception("outbox: unexpected error sending message %s", message_id)
        failure = TemporaryFailure(f"{type(error).__name__}")

    now = datetime.now(UTC)
    async with sessions() as db:
        message = await db.get(OutboxMessage, message_id)
        assert message is not None
        message.updated_at = now
        if failure is None:
            message.status = STATE_AFTER_ACCEPT[channel]
            message.provider_id = provider_id
            message.sent_at = now
            message.error = None
            if message.status == OutboxState.DELIVERED:
                message.final_at = now
            await _finish_attempt(db, message_id, "accepted", provider_id=provider_id)
            interval = PER_CHAT_INTERVAL.get(channel)
            if interval:
                await _hold(db, channel, recipient, now + timedelta(seconds=interval))
            await notify_listeners(db, message)
        elif isinstance(failure, TemporaryFailure) and attempts < MAX_ATTEMPTS:
            retry_after = failure.retry_after
            wait = timedelta(seconds=retry_after) if retry_after else backoff(attempts, retry_base)
            message.status = OutboxState.CREATED
            message.next_attempt_at = now + wait
            message.error = failure.reason[:500]
            await _finish_attempt(db, message_id, "temporary", error=failure.reason[:500])
            if retry_after:
                await _hold(db, channel, recipient, now + wait)
            log.warning(
                "outbox: message %s %s, retry in %.1fs", message_id, failure.reason, wait.total_seconds()
            )
        else:
            reason = getattr(failure, "reason", str(failure))
            message.status = OutboxState.FAILED
            message.final_at = now
            message.error = reason[:500]
            await _finish_attempt(db, message_id, "permanent", error=reason[:500])
            await notify_listeners(db, message)
            log.warning("outbox: message %s failed: %s", message_id, reason)
        await db.commit()
        return message.status


async def mark_stuck(db: AsyncSession, now: datetime) -> int:
    """Rows left in `sending` by a crashed instance: shown as `unknown`, never resent."""
    result = await db.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxState.SENDING, OutboxMessage.updated_at < now - STUCK_AFTER)
        .values(
            status=OutboxState.UNKNOWN,
            final_at=now,
            error="no answer recorded; not resent to avoid a duplicate",
        )
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    return result.rowcount or 0


async def run_once(
    sessions: async_sessionmaker[AsyncSession],
    clients: dict[str, ProviderClient],
    *,
    limiter: RateLimiter | None = None,
    retry_base: float = RETRY_BASE_SECONDS,
) -> int:
    """Send the due messages once (concurrently across recipients). Returns how many were handled."""
    async with sessions() as db:
        ids = await due_message_ids(db, datetime.now(UTC))
    results = await asyncio.gather(
        *(deliver(sessions, clients, i, limiter=limiter, retry_base=retry_base) for i in ids)
    )
    return sum(1 for r in results if r is not None)


async def _loop(app: Any) -> None:
    sessions = app.ctx.sessions
    clients = app.ctx.outbox_clients
    limiter = RateLimiter(sessions, GLOBAL_RATE)
    retry_base = app.ctx.settings.outbox_retry_base_seconds

    async def sweep() -> None:
        async with sessions() as db:
            await mark_stuck(db, datetime.now(UTC))

    await repeat(
        "outbox worker",
        lambda: run_once(sessions, clients, limiter=limiter, retry_base=retry_base),
        sweep=sweep,
        sweep_every=60,
        idle=IDLE_SECONDS,
    )


async def start(app: Any) -> None:
    app.ctx.outbox_clients = build_clients(app.ctx.settings)
    app.ctx.outbox_clients["webhook"] = WebhookClient(app.ctx.sessions)
    app.ctx.outbox_task = start_loop(app, _loop, "outbox-worker")


async def stop(app: Any) -> None:
    await stop_loop(getattr(app.ctx, "outbox_task", None))
    for client in getattr(app.ctx, "outbox_clients", {}).values():
        with contextlib.suppress(Exception):
            await client.close()
