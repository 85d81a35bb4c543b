"""The outbox worker against scripted provider clients, on the real PostgreSQL database."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.models.outbox import OutboxAttempt, OutboxMessage
from backend.models.states import OutboxState
from backend.outbox import service, worker


class ScriptedClient:
    """A provider client whose next answers are scripted: an exception to raise, or None to accept."""

    def __init__(
        self, channel: str, script: list[Exception | None] | None = None, only_to: str | None = None
    ) -> None:
        self.channel = channel
        self.script = list(script or [])
        self.only_to = only_to  # the script applies to this recipient only
        self.accepted: list[Outgoing] = []
        self.calls = 0

    async def send(self, message: Outgoing) -> str:
        self.calls += 1
        scripted = self.script and (self.only_to is None or message.to == self.only_to)
        outcome = self.script.pop(0) if scripted else None
        if outcome is not None:
            raise outcome
        self.accepted.append(message)
        return f"id-{len(self.accepted)}"

    async def close(self) -> None:
        return None


async def queue(sessions: async_sessionmaker[AsyncSession], channel: str, to: str, *texts: str) -> list[int]:
    async with sessions() as db:
        ids = []
        for text in texts:
            message = await service.enqueue(db, channel=channel, to=to, text=text, kind="bot_reply")
            assert message is not None
            ids.append(message.id)
        await db.commit()
    return ids


async def drain(sessions: async_sessionmaker[AsyncSession], clients: dict, rounds: int = 10) -> None:
    for _ in range(rounds):
        await worker.run_once(sessions, clients, retry_base=0)


async def state(sessions: async_sessionmaker[AsyncSession], message_id: int) -> OutboxMessage:
    async with sessions() as db:
        message = await db.get(OutboxMessage, message_id)
        assert message is not None
        return message


async def test_two_server_errors_then_success_delivers_once_and_in_order(sessions) -> None:
    sms = ScriptedClient("sms", [TemporaryFailure("twilio 500"), TemporaryFailure("twilio 500")])
    ids = await queue(sessions, "sms", "+299551234", "first", "second", "third")
    await drain(sessions, {"sms": sms})
    assert [m.text for m in sms.accepted] == ["first", "second", "third"]
    first = await state(sessions, ids[0])
    assert first.status == OutboxState.SENT and first.attempts == 3 and first.provider_id == "id-1"
    async with sessions() as db:
        outcomes = (
            (
                await db.execute(
                    select(OutboxAttempt.outcome)
                    .where(OutboxAttempt.message_id == ids[0])
                    .order_by(OutboxAttempt.id)
                )
            )
            .scalars()
            .all()
        )
    assert outcomes == ["temporary", "temporary", "accepted"]


async def test_a_waiting_retry_holds_back_the_later_messages_of_the_same_recipient(sessions) -> None:
    sms = ScriptedClient("sms", [TemporaryFailure("twilio 503")])
    ids = await queue(sessions, "sms", "+299551234", "first", "second")
    await worker.run_once(sessions, {"sms": sms}, retry_base=60)
    await worker.run_once(sessions, {"sms": sms}, retry_base=60)
    assert sms.accepted == []  # "second" must not overtake "first"
    assert (await state(sessions, ids[1])).status == OutboxState.CREATED


async def test_a_permanent_error_is_not_retried_and_is_visible(sessions) -> None:
    sms = ScriptedClient("sms", [PermanentFailure("twilio 21211: invalid 'To' number")])
    ids = await queue(sessions, "sms", "+299551234", "doomed", "next")
    await drain(sessions, {"sms": sms})
    doomed = await state(sessions, ids[0])
    assert doomed.status == OutboxState.FAILED and doomed.attempts == 1 and "21211" in (doomed.error or "")
    assert [m.text for m in sms.accepted] == ["next"]
    async with sessions() as db:
        failed = await service.list_messages(db, status=OutboxState.FAILED)
    assert [m.id for m in failed] == [ids[0]]


async def test_too_many_temporary_failures_end_in_failed(sessions) -> None:
    sms = ScriptedClient("sms", [TemporaryFailure("network")] * worker.MAX_ATTEMPTS)
    (message_id,) = await queue(sessions, "sms", "+299551234", "never")
    await drain(sessions, {"sms": sms}, rounds=worker.MAX_ATTEMPTS + 2)
    assert (await state(sessions, message_id)).status == OutboxState.FAILED
    assert sms.calls == worker.MAX_ATTEMPTS


async def test_two_workers_claiming_the_same_message_send_it_once(sessions) -> None:
    sms = ScriptedClient("sms")
    (message_id,) = await queue(sessions, "sms", "+299551234", "once")
    results = await asyncio.gather(*(worker.deliver(sessions, {"sms": sms}, message_id) for _ in range(5)))
    assert sms.calls == 1
    assert sorted(r for r in results if r) == [OutboxState.SENT]


async def test_a_crash_after_the_provider_accepted_never_sends_again(sessions) -> None:
    """The claim commits `sending` before the provider is called; a crash leaves it there."""
    sms = ScriptedClient("sms")
    (message_id,) = await queue(sessions, "sms", "+299551234", "accepted, then the process died")
    async with sessions() as db:
        assert await worker.claim(db, message_id, datetime.now(UTC)) is not None  # then: crash
    await drain(sessions, {"sms": sms})
    assert sms.calls == 0
    async with sessions() as db:
        assert await worker.mark_stuck(db, datetime.now(UTC) + worker.STUCK_AFTER + timedelta(seconds=1)) == 1
    assert (await state(sessions, message_id)).status == OutboxState.UNKNOWN
    await drain(sessions, {"sms": sms})
    assert sms.calls == 0


async def test_telegram_retry_after_holds_only_that_chat(sessions) -> None:
    telegram = ScriptedClient("telegram", [TemporaryFailure("429", retry_after=30)], only_to="1001")
    held = await queue(sessions, "telegram", "1001", "to the limited chat")
    other = await queue(sessions, "telegram", "2002", "to another chat")
    await drain(sessions, {"telegram": telegram}, rounds=3)
    assert [m.to for m in telegram.accepted] == ["2002"]
    assert (await state(sessions, held[0])).status == OutboxState.CREATED
    assert (await state(sessions, other[0])).status == OutboxState.DELIVERED


async def test_telegram_sends_at_most_one_message_per_second_per_chat(sessions) -> None:
    telegram = ScriptedClient("telegram")
    await queue(sessions, "telegram", "1001", "one", "two")
    await worker.run_once(sessions, {"telegram": telegram})
    await worker.run_once(sessions, {"telegram": telegram})
    assert [m.text for m in telegram.accepted] == ["one"]
    await asyncio.sleep(worker.PER_CHAT_INTERVAL["telegram"] + 0.1)
    await worker.run_once(sessions, {"telegram": telegram})
    assert [m.text for m in telegram.accepted] == ["one", "two"]


async def test_opted_out_addresses_get_nothing_but_the_confirmation(sessions) -> None:
    sms = ScriptedClient("sms")
    queued = await queue(sessions, "sms", "+299551234", "queued before STOP")
    async with sessions() as db:
        await service.opt_out(db, "sms", "+299551234")
        assert (
            await service.enqueue(db, channel="sms", to="+299551234", text="x", kind="message_notification")
            is None
        )
        confirmation = await service.enqueue(
            db, channel="sms", to="+299551234", text="You will receive no more", kind="opt_out_confirmation"
        )
        await db.commit()
    assert confirmation is not None
    await drain(sessions, {"sms": sms})
    assert [m.text for m in sms.accepted] == ["You will receive no more"]
    assert (await state(sessions, queued[0])).status == OutboxState.OPTED_OUT
    async with sessions() as db:
        await service.opt_in(db, "sms", "+299551234")
        assert (
            await service.enqueue(db, channel="sms", to="+299551234", text="y", kind="bot_reply") is not None
        )
        await db.commit()


async def test_a_final_state_is_never_overwritten_by_a_late_callback(sessions) -> None:
    sms = ScriptedClient("sms")
    (message_id,) = await queue(sessions, "sms", "+299551234", "hello")
    await drain(sessions, {"sms": sms})
    async with sessions() as db:
        assert (
            await service.record_delivery_report(db, provider_id="id-1", provider_status="delivered")
            == OutboxState.DELIVERED
        )
        assert (
            await service.record_delivery_report(db, provider_id="id-1", provider_status="sent")
            == OutboxState.DELIVERED
        )
        assert (
            await service.record_delivery_report(db, provider_id="id-1", provider_status="failed")
            == OutboxState.DELIVERED
        )
        assert (
            await service.record_delivery_report(db, provider_id="unknown", provider_status="failed") is None
        )
        await db.commit()
    assert (await state(sessions, message_id)).status == OutboxState.DELIVERED


async def test_listeners_hear_the_final_states(sessions) -> None:
    heard: list[tuple[int, str]] = []

    async def listener(db: AsyncSession, message: OutboxMessage) -> None:
        heard.append((message.id, message.status))

    service.register_final_state_listener("test", listener)
    try:
        sms = ScriptedClient("sms", [PermanentFailure("21610")])
        ids = await queue(sessions, "sms", "+299551234", "a", "b")
        await drain(sessions, {"sms": sms})
        async with sessions() as db:
            await service.record_delivery_report(
                db, provider_id="id-1", provider_status="undelivered", error_code="30003"
            )
            await db.commit()
    finally:
        service.unregister_final_state_listener("test")
    assert heard == [
        (ids[0], OutboxState.FAILED),
        (ids[1], OutboxState.SENT),
        (ids[1], OutboxState.UNDELIVERED),
    ]


@pytest.mark.parametrize("channel", ["pigeon"])
async def test_an_unknown_channel_is_refused(sessions, channel: str) -> None:
    async with sessions() as db:
        with pytest.raises(ValueError):
            await service.enqueue(db, channel=channel, to="x", text="x", kind="bot_reply")


async def test_the_overall_rate_is_shared_by_every_worker_instance(sessions) -> None:
    """Two instances (two limiters over the same database) reserving Telegram slots at once: the slots
    of both together are at least 1/30 s apart, and a channel without a limit never waits."""
    first = worker.RateLimiter(sessions, {"telegram": 30.0})
    second = worker.RateLimiter(sessions, {"telegram": 30.0})
    now = 1_900_000_000.0
    slots = await asyncio.gather(*(limiter.reserve("telegram", now) for limiter in [first, second] * 10))
    ordered = sorted(slots)
    assert ordered[0] == pytest.approx(now)
    assert all(b - a >= 1 / 30 - 1e-6 for a, b in pairwise(ordered))
    assert ordered[-1] == pytest.approx(now + 19 / 30)
    later = now + 60  # after a quiet minute the next slot is now again, not in the past
    assert await first.reserve("telegram", later) == pytest.approx(later)
    assert await first.reserve("pigeon", now) == now
