"""One-time links: unguessable, single use, expiring; the login through one binds the SMS/Telegram
conversation for the channel's period and queues the continuation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.channels import binding
from backend.conversations import service as conversations
from backend.models.outbox import InboundMessage, LinkToken
from tests.backend.applications.factories import AVIAJA, seed_registers
from tests.backend.channels.support import Browser


async def _sms_conversation(db):  # type: ignore[no-untyped-def]
    conversation = await conversations.create_conversation(db, channel="sms", address="+299551234")
    conversation.pending_intent = "apply"
    await db.commit()
    return conversation


async def test_a_link_is_long_random_and_only_its_hash_is_stored(db, settings) -> None:
    conversation = await _sms_conversation(db)
    first = await binding.create_link(db, conversation, settings)
    second = await binding.create_link(db, conversation, settings)
    token = first.rsplit("/", 1)[1]
    assert first != second and len(token) >= 22
    stored = (await db.execute(select(LinkToken.token_hash))).scalars().all()
    assert token not in stored and binding.hash_token(token) in stored


async def test_a_link_works_once_and_not_after_it_expired(db, settings) -> None:
    conversation = await _sms_conversation(db)
    token = (await binding.create_link(db, conversation, settings)).rsplit("/", 1)[1]
    late = (await binding.create_link(db, conversation, settings)).rsplit("/", 1)[1]
    await db.commit()
    assert await binding.redeem(db, token) is not None
    assert await binding.redeem(db, token) is None
    assert await binding.redeem(db, late, now=datetime.now(UTC) + timedelta(minutes=16)) is None
    assert await binding.redeem(db, "x" * 500) is None


async def test_logging_in_through_the_link_binds_the_phone_and_queues_the_continuation(
    app, db, settings
) -> None:
    await seed_registers(db)
    conversation = await _sms_conversation(db)
    url = await binding.create_link(db, conversation, settings)
    await db.commit()
    browser = Browser(app)
    opened = await browser.request("GET", url.removeprefix(settings.public_base_url))
    assert opened.status == 302 and opened.headers["location"] == "/auth/login"
    login = await browser.request(
        "POST", "/auth/dev/login", json={"cpr": AVIAJA}, headers={"Origin": settings.public_base_url}
    )
    assert login.status == 200 and login.json["next"] == "/linked"
    await db.refresh(conversation)
    assert conversation.person_cpr == AVIAJA
    remaining = conversation.bound_until.astimezone(UTC) - datetime.now(UTC)
    assert timedelta(hours=23) < remaining <= timedelta(hours=24)
    job = (await db.execute(select(InboundMessage))).scalars().one()
    assert (job.kind, job.conversation_id, job.status) == ("resume", conversation.id, "queued")
    again = await Browser(app).request("GET", url.removeprefix(settings.public_base_url))
    assert again.status == 410


async def test_an_unknown_link_is_410_with_a_page(app) -> None:
    response = await Browser(app).request("GET", "/l/notatoken")
    assert response.status == 410 and "<html" in response.text
