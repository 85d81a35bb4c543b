"""Documents by MMS and on Telegram: the webhook stores references, the inbound worker fetches each file
through the provider's fake (Twilio media with the account's credentials; Telegram's getFile), stores
it for the person logged in on the phone or chat and answers in the conversation's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.channels import binding
from backend.config import Secret, Settings
from backend.conversations import service as conversations
from backend.documents import texts
from backend.models.documents import Attachment
from backend.models.outbox import OutboxMessage
from backend.nlg import translate
from tests.backend.applications.factories import AVIAJA
from tests.backend.channels import test_telegram as telegram
from tests.backend.channels.test_sms import PHONE, post, run_inbound, signed, sms
from tests.backend.documents import samples
from tests.backend.inbox.test_applications import _submitted
from tests.fakes.telegram_api import FakeTelegram, document_update, photo_update
from tests.fakes.twilio_api import FakeTwilio

ACCOUNT, TOKEN = "AC" + "0" * 32, "test-twilio-auth-token"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT, TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def bot() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram("123:abc")
    await fake.start()
    yield fake
    await fake.stop()


async def _replies(db: AsyncSession, to: str) -> list[str]:
    rows = await db.execute(
        select(OutboxMessage.text).where(OutboxMessage.recipient == to).order_by(OutboxMessage.id)
    )
    return list(rows.scalars().all())


async def test_an_mms_brings_its_files_with_the_accounts_credentials(
    settings: Settings, engine, sessions, db: AsyncSession, twilio: FakeTwilio
) -> None:
    configured = replace(
        settings,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=Secret(TOKEN),
        twilio_from_number="+4520000000",
        twilio_api_base=twilio.base_url,
        public_base_url="https://inissiaq.example.gl",
    )
    app = create_app(configured, name="inissiaq_test_mms")
    await _submitted(db, configured, AVIAJA)
    await binding.bind_phone(db, AVIAJA, PHONE, configured, actor="test")
    await db.commit()
    lease = samples.pdf(1)
    params = {
        **sms("MM1", ""),
        "NumMedia": "3",
        "MediaUrl0": twilio.add_media("MM1", lease, "application/pdf"),
        "MediaContentType0": "application/pdf",
        "MediaUrl1": twilio.add_media("MM1", b"MZ\x90 not a document", "application/octet-stream"),
        "MediaContentType1": "application/octet-stream",
        "MediaUrl2": "https://evil.example/steal",  # a forged address is never fetched
        "MediaContentType2": "image/jpeg",
    }
    response = await post(app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
    assert response.status == 200
    await post(app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))  # Twilio's retry
    await run_inbound(app, sessions)

    (stored,) = (await db.execute(select(Attachment))).scalars().all()
    assert (stored.person_cpr, stored.channel, stored.content_type, stored.size) == (
        AVIAJA,
        "sms",
        "application/pdf",
        len(lease),
    )
    assert len(twilio.media_requests) == 2  # with the credentials; once, not again for the retry
    replies = await _replies(db, PHONE)
    assert translate("kl", texts.RECEIVED, filename=stored.filename) in replies  # default language kl
    assert translate("kl", texts.WRONG_TYPE) in replies and translate("kl", texts.NOT_FETCHED) in replies


async def test_an_mms_from_a_phone_nobody_is_logged_in_on_gets_a_login_link_and_nothing_is_fetched(
    settings: Settings, engine, sessions, db: AsyncSession, twilio: FakeTwilio
) -> None:
    configured = replace(
        settings,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=Secret(TOKEN),
        twilio_api_base=twilio.base_url,
        public_base_url="https://inissiaq.example.gl",
    )
    app = create_app(configured, name="inissiaq_test_mms_anonymous")
    params = {
        **sms("MM2", ""),
        "NumMedia": "1",
        "MediaUrl0": twilio.add_media("MM2", samples.pdf(), "application/pdf"),
    }
    await post(app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
    await run_inbound(app, sessions)
    assert twilio.media_requests == [] and (await db.execute(select(Attachment))).first() is None
    (reply,) = await _replies(db, PHONE)
    assert translate("kl", texts.LOGIN_FIRST) in reply and "https://inissiaq.example.gl/l/" in reply


async def test_a_telegram_document_and_photo_are_stored_for_the_bound_person(
    settings: Settings, engine, sessions, db: AsyncSession, bot: FakeTelegram
) -> None:
    configured = replace(
        settings,
        telegram_bot_token=Secret("123:abc"),
        telegram_webhook_secret=Secret(telegram.SECRET),
        telegram_api_base=bot.base_url,
    )
    app = create_app(configured, name="inissiaq_test_tg_documents")
    await _submitted(db, configured, AVIAJA)
    chat = await conversations.get_or_create_for_address(db, channel="telegram", address=str(telegram.CHAT))
    chat.language = "sv"
    await conversations.bind_person(db, chat, AVIAJA, until=None)
    await db.commit()

    pdf_id = bot.add_file(samples.pdf(2), "lonebesked.pdf")
    small, large = bot.add_file(samples.jpeg(90, 60)), bot.add_file(samples.jpeg(180, 120))
    assert (
        await telegram.post(
            app, document_update(31, telegram.CHAT, pdf_id, "lönebesked.pdf", "application/pdf")
        )
    ).status == 200
    assert (await telegram.post(app, photo_update(32, telegram.CHAT, [small, large]))).status == 200
    for _ in range(2):  # one message of a chat per round, in order
        await run_inbound(app, sessions)

    stored = (await db.execute(select(Attachment).order_by(Attachment.received_at))).scalars().all()
    assert [(a.filename, a.content_type, a.channel) for a in stored] == [
        ("lönebesked.pdf", "application/pdf", "telegram"),
        ("photo.jpg", "image/jpeg", "telegram"),
    ]
    assert stored[1].size == len(samples.jpeg(180, 120))  # the largest size of the photo
    replies = await _replies(db, str(telegram.CHAT))
    assert translate("sv", texts.RECEIVED, filename="lönebesked.pdf") in replies and "Tack" in replies[0]
