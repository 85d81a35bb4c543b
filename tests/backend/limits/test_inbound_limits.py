"""SMS and Telegram: the webhook always answers at once; over the per-sender limit the bot turn is
dropped, with one "too many messages" reply per window at most."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.channels import texts
from backend.config import Secret
from backend.models.outbox import InboundMessage, OutboxMessage
from backend.models.states import InboundState
from backend.nlg import translate
from tests.backend.channels.support import FakeRasa
from tests.backend.channels.test_sms import PHONE, TOKEN, post, run_inbound, signed, sms
from tests.backend.limits.support import freeze_clock

OTHER_PHONE = "+299223344"


@pytest.fixture
def limited_sms_app(settings, engine):  # type: ignore[no-untyped-def]
    configured = replace(
        settings,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=Secret(TOKEN),
        twilio_from_number="+4520000000",
        public_base_url="https://inissiaq.example.gl",
        inbound_turns_per_minute=3,
    )
    return create_app(configured, name=f"inissiaq_test_inbound_limits_{id(configured)}")


@pytest.fixture(autouse=True)
def _one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)


async def flood(app, count: int, sender: str = PHONE, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Post `count` signed SMS from `sender`; the webhook answers each with 200."""
    for n in range(start, start + count):
        params = sms(f"SM{sender[-6:]}{n:026d}", f"message {n}", sender=sender)
        response = await post(app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
        assert response.status == 200


async def drain(app, sessions) -> None:  # type: ignore[no-untyped-def]
    while await run_inbound(app, sessions):
        pass


async def test_a_flood_from_one_number_gets_its_turns_up_to_the_limit_and_exactly_one_notice(
    limited_sms_app, sessions, db: AsyncSession
) -> None:
    rasa = FakeRasa().install(limited_sms_app)
    await flood(limited_sms_app, 8)
    await drain(limited_sms_app, sessions)

    assert rasa.messages == ["message 0", "message 1", "message 2"]
    statuses = (await db.execute(select(InboundMessage.status).order_by(InboundMessage.id))).scalars().all()
    assert statuses == [InboundState.DONE] * 3 + [InboundState.DROPPED] * 5
    replies = (
        (
            await db.execute(
                select(OutboxMessage).where(OutboxMessage.recipient == PHONE).order_by(OutboxMessage.id)
            )
        )
        .scalars()
        .all()
    )
    notice = translate("kl", texts.TOO_MANY_MESSAGES)  # the conversation's language: the default
    assert [r.text for r in replies].count(notice) == 1
    assert len(replies) == 3 + 1
    assert replies[-1].text == notice and replies[-1].kind == "bot_reply"


async def test_more_of_the_flood_in_the_same_window_gets_no_second_notice(
    limited_sms_app, sessions, db: AsyncSession
) -> None:
    FakeRasa().install(limited_sms_app)
    await flood(limited_sms_app, 5)
    await drain(limited_sms_app, sessions)
    await flood(limited_sms_app, 5, start=5)
    await drain(limited_sms_app, sessions)
    notices = (
        (
            await db.execute(
                select(OutboxMessage.text).where(
                    OutboxMessage.text == translate("kl", texts.TOO_MANY_MESSAGES)
                )
            )
        )
        .scalars()
        .all()
    )
    assert len(notices) == 1


async def test_another_number_is_not_held_back_by_the_flood(limited_sms_app, sessions) -> None:
    rasa = FakeRasa().install(limited_sms_app)
    await flood(limited_sms_app, 6)
    await flood(limited_sms_app, 2, sender=OTHER_PHONE)
    await drain(limited_sms_app, sessions)
    assert rasa.messages.count("message 0") == rasa.messages.count("message 1") == 2


async def test_over_the_limit_the_webhook_still_answers_and_stores_the_message(
    limited_sms_app, sessions, db: AsyncSession
) -> None:
    FakeRasa().install(limited_sms_app)
    await flood(limited_sms_app, 3)
    await drain(limited_sms_app, sessions)
    await flood(limited_sms_app, 2, start=3)  # answered 200 with empty TwiML; the worker decides
    queued = (await db.execute(select(InboundMessage.status).order_by(InboundMessage.id))).scalars().all()
    assert queued == [InboundState.DONE] * 3 + [InboundState.QUEUED] * 2
