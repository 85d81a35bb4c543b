"""An SMS or Telegram turn whose worker dies is answered by another worker soon, never twice while the
first one lives: the claim on the message is renewed while the turn runs, and a claim that stopped
being renewed is taken over."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from backend.channels import inbound
from backend.models.outbox import InboundMessage
from backend.models.states import InboundState
from tests.backend.channels import test_sms
from tests.backend.channels.support import FakeRasa, echo
from tests.backend.channels.test_sms import post, run_inbound, signed, sms

sms_app = test_sms.sms_app  # the SMS app fixture


async def queue(app, text: str, sid: str) -> None:  # type: ignore[no-untyped-def]
    params = sms(sid, text)
    await post(app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))


async def test_a_claim_left_by_a_dead_worker_is_taken_over_and_a_live_one_is_not(
    sms_app, sessions, db
) -> None:
    rasa = FakeRasa().install(sms_app)
    await queue(sms_app, "dead worker's turn", "SM" + "1" * 32)
    await queue(sms_app, "live worker's turn", "SM" + "2" * 32)
    now = datetime.now(UTC)
    rows = (await db.execute(select(InboundMessage).order_by(InboundMessage.id))).scalars().all()
    for row, age in zip(
        rows, (inbound.STALE_AFTER + timedelta(seconds=1), timedelta(seconds=10)), strict=True
    ):
        row.status, row.attempts, row.processed_at = InboundState.PROCESSING, 1, now - age
    await db.commit()

    await inbound.requeue_stale(db, now)
    assert await run_inbound(sms_app, sessions) == 1
    assert rasa.messages == ["dead worker's turn"]
    db.expire_all()
    statuses = (await db.execute(select(InboundMessage.status).order_by(InboundMessage.id))).scalars().all()
    assert statuses == [InboundState.DONE, InboundState.PROCESSING]
    assert inbound.STALE_AFTER <= timedelta(seconds=60)  # answered within about a minute, not after minutes


async def test_the_claim_is_renewed_while_a_long_turn_runs(
    sms_app,
    sessions,
    db,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(inbound, "HEARTBEAT_SECONDS", 0.05)
    claimed_at: list[datetime] = []

    async def slow_rasa(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/gateway/health":
            return httpx.Response(200, json={"status": "ok"})
        async with sessions() as look:
            claimed_at.append((await look.execute(select(InboundMessage.processed_at))).scalar_one())
        await asyncio.sleep(0.5)  # a slow turn: several heartbeats pass
        async with sessions() as look:
            claimed_at.append((await look.execute(select(InboundMessage.processed_at))).scalar_one())
        return httpx.Response(200, json=echo(json.loads(request.content)))

    sms_app.ctx.rasa_transport = httpx.MockTransport(slow_rasa)
    await queue(sms_app, "a long turn", "SM" + "3" * 32)
    assert await run_inbound(sms_app, sessions) == 1
    first, later = claimed_at
    assert later > first
    status = (await db.execute(select(InboundMessage.status))).scalar_one()
    assert status == InboundState.DONE
