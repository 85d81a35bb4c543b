"""Webhooks: a feed change is POSTed to the client's URL through the outbox, signed with HMAC-SHA256,
and retried with backoff after the receiver failed (a real HTTP server on a loopback port)."""

from __future__ import annotations

import asyncio
import json
import time

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.clients.webhook import WebhookClient
from backend.machine import clients as machine
from backend.machine.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, signature_header, verify
from backend.models.outbox import OutboxAttempt, OutboxMessage
from backend.models.states import OutboxState
from backend.outbox.worker import run_once
from tests.backend.applications.factories import (
    AVIAJA,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)


def test_a_signature_verifies_only_with_the_secret_the_body_and_a_fresh_timestamp() -> None:
    body = b'{"reference":"KL-1"}'
    header = signature_header("s3cret", body, now=1_000_000)
    assert verify("s3cret", header, body, now=1_000_010)
    assert not verify("other", header, body, now=1_000_010)
    assert not verify("s3cret", header, body + b" ", now=1_000_010)
    assert not verify("s3cret", header, body, now=1_000_000 + 301)  # a replay after five minutes
    assert not verify("s3cret", "v1=abc", body)


async def test_a_change_is_pushed_signed_and_retried_after_the_receiver_failed(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append((dict(request.headers), await request.read()))
        return web.Response(status=503 if len(received) == 1 else 204)

    server = web.Application()
    server.router.add_post("/hook", hook)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    client = WebhookClient(sessions)
    try:
        case_system, _ = await machine.create_client(
            db, name="cases", scopes="applications:read", actor="test"
        )
        await machine.create_client(db, name="writer", scopes="applications:write", actor="test")
        _, secret = await machine.set_webhook(
            db, case_system.id, f"http://127.0.0.1:{port}/hook", actor="test"
        )
        assert secret is not None
        await seed_registers(db)
        conversation = await create_conversation(db, cpr=AVIAJA)
        draft = await create_draft(db, conversation, settings)
        reference = (await submit_draft(db, conversation, draft.draft.id, settings)).application.reference

        deadline = time.monotonic() + 30
        while True:
            await run_once(sessions, {"webhook": client}, retry_base=0.05)
            async with sessions() as check:
                message = (
                    await check.execute(select(OutboxMessage).where(OutboxMessage.channel == "webhook"))
                ).scalar_one()
            if message.status == OutboxState.DELIVERED:
                break
            assert time.monotonic() < deadline, f"not delivered: {message.status} {message.error}"
            await asyncio.sleep(0.02)
    finally:
        await client.close()
        await runner.cleanup()

    assert len(received) == 2
    assert message.recipient == case_system.id  # only the client with a webhook and applications:read
    attempts = (
        await db.execute(select(OutboxAttempt.outcome).where(OutboxAttempt.message_id == message.id))
    ).scalars()
    assert sorted(attempts) == ["accepted", "temporary"]
    headers, body = received[1]
    assert verify(secret, headers[SIGNATURE_HEADER], body)
    assert not verify("not-the-secret", headers[SIGNATURE_HEADER], body)
    assert headers[DELIVERY_HEADER] == str(message.id) and received[0][1] == body
    payload = json.loads(body)
    assert payload["reference"] == reference and payload["change"] == "submitted"
    # No more personal data than the feed item: no CPR number, name, phone or address.
    assert set(payload) == {"type", "cursor", "reference", "change", "status", "changed_at"}
    assert AVIAJA not in body.decode()
