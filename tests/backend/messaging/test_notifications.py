"""Neutral notifications and the digest, through the outbox and the real SMTP client to a real SMTP
server on loopback (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from functools import partial

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from backend.app import create_app
from backend.clients.base import PermanentFailure
from backend.clients.smtp import SmtpClient
from backend.config import Secret, Settings
from backend.messaging import notifications, service
from backend.models.messaging import ContactPreference, Notification
from backend.models.outbox import OutboxMessage
from backend.models.states import NotificationStatus, OutboxState
from backend.outbox import worker
from backend.outbox.service import (
    register_final_state_listener,
    unregister_final_state_listener,
)
from backend.scheduler import send_digest
from tests.backend.applications.factories import (
    AVIAJA,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker, log_in
from tests.backend.outbox.test_worker import ScriptedClient
from tests.fakes.smtp_server import SmtpRecorder

PERSONAL = ("Aviaja", "Lyberth", "0708861234", "070886", "Aqqusinersuaq", "husleje", "7300")


TWILIO_TOKEN = "test-twilio-auth-token"
TWILIO_BASE = "https://inissiaq.example.gl"


@pytest.fixture
def smtp() -> Iterator[SmtpRecorder]:
    server = SmtpRecorder()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _listener(settings: Settings) -> Iterator[None]:
    register_final_state_listener("notifications", partial(notifications.on_final_state, settings=settings))
    yield
    unregister_final_state_listener("notifications")


async def _citizen_prefers(db, channels: list[str]) -> None:  # type: ignore[no-untyped-def]
    await seed_registers(db)
    db.add(
        ContactPreference(
            person_cpr=AVIAJA,
            channels=channels,
            phone_e164="+299551234",
            email="aviaja@example.gl",
            language="da",
        )
    )
    await db.commit()


async def test_a_message_gives_one_neutral_notification_per_burst(db, settings) -> None:
    await _citizen_prefers(db, ["sms", "email"])
    worker_ = await create_caseworker(db)
    for text in ("Din husleje er 7300 kr, Aviaja Lyberth", "Og en ting mere"):
        await service.caseworker_writes(
            db, caseworker_id=worker_.id, cpr=AVIAJA, application_reference=None, text=text, settings=settings
        )
    (queued,) = (await db.execute(select(OutboxMessage))).scalars().all()
    assert (queued.channel, queued.recipient, queued.kind) == ("sms", "+299551234", "message_notification")
    assert settings.public_base_url in queued.text
    assert not [word for word in PERSONAL if word in queued.text]
    (notification,) = (await db.execute(select(Notification))).scalars().all()
    assert notification.language == "da"


async def test_a_permanently_failed_sms_falls_back_to_e_mail_and_the_history_shows_it(
    db, sessions, settings, smtp
) -> None:
    await _citizen_prefers(db, ["sms", "email"])
    worker_ = await create_caseworker(db)
    await service.caseworker_writes(
        db, caseworker_id=worker_.id, cpr=AVIAJA, application_reference=None, text="Hej", settings=settings
    )
    clients = {
        "sms": ScriptedClient("sms", [PermanentFailure("twilio 30006: landline or unreachable carrier")]),
        "email": SmtpClient(replace(settings, smtp_host="127.0.0.1", smtp_port=smtp.port)),
    }
    for _ in range(3):
        await worker.run_once(sessions, clients)
    (email,) = smtp.to("aviaja@example.gl")
    body = email.get_body(("plain",)).get_content()
    assert settings.public_base_url in body and not [word for word in PERSONAL if word in body]
    assert [part.get_content_type() for part in email.walk()][1:] == ["text/plain", "text/html"]
    first = (await db.execute(select(Notification).where(Notification.fallback_of.is_(None)))).scalars().one()
    await db.refresh(first)
    history = await notifications.notification_history(db, first)
    assert [(h["channel"], h["status"]) for h in history] == [
        ("sms", NotificationStatus.FALLEN_BACK),
        ("email", NotificationStatus.SENT),
    ]


async def test_an_sms_that_twilio_reports_undelivered_falls_back_to_e_mail_and_the_caseworker_sees_both(
    db, sessions, settings, smtp
) -> None:
    await _citizen_prefers(db, ["sms", "email"])
    worker_ = await create_caseworker(db)
    await service.caseworker_writes(
        db, caseworker_id=worker_.id, cpr=AVIAJA, application_reference=None, text="Hej", settings=settings
    )
    clients = {
        "sms": ScriptedClient("sms"),  # Twilio accepts the SMS ...
        "email": SmtpClient(replace(settings, smtp_host="127.0.0.1", smtp_port=smtp.port)),
    }
    await worker.run_once(sessions, clients)
    assert smtp.to("aviaja@example.gl") == []
    # ... and later reports through its signed status callback that the handset never got it
    app = create_app(
        replace(settings, twilio_auth_token=Secret(TWILIO_TOKEN), public_base_url=TWILIO_BASE),
        name=f"inissiaq_test_undelivered_{id(settings)}",
    )
    report = {"MessageSid": "id-1", "MessageStatus": "undelivered", "ErrorCode": "30006"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(
        f"{TWILIO_BASE}/webhooks/twilio/status", report
    )
    _, answer = await app.asgi_client.post(
        "/webhooks/twilio/status", data=report, headers={"X-Twilio-Signature": signature}
    )
    assert answer.status == 204
    sms = (await db.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms"))).scalars().one()
    await db.refresh(sms)
    assert sms.status == OutboxState.UNDELIVERED
    await worker.run_once(sessions, clients)
    (email,) = smtp.to("aviaja@example.gl")  # the listener the app's start registered sent it
    assert TWILIO_BASE in email.get_body(("plain",)).get_content()
    session = await log_in(app)
    _, read = await app.asgi_client.get(
        "/api/caseworker/messages", params={"cpr": AVIAJA}, headers=session.headers
    )
    assert read.status == 200
    (message,) = read.json["messages"]
    assert [(n["channel"], n["status"]) for n in message["notifications"]] == [
        ("sms", NotificationStatus.FALLEN_BACK),
        ("email", NotificationStatus.SENT),
    ]


async def test_the_digest_mails_designated_caseworkers_the_count_only(db, sessions, settings, smtp) -> None:
    await seed_registers(db)
    await create_caseworker(db, username="ane", email="ane@kommune.gl", designated_for_digest=True)
    await create_caseworker(db, username="bo", email="bo@kommune.gl")
    await db.commit()
    assert await send_digest(db, settings, slot="test-empty") == 0  # nothing waits: no mail
    conversation = await create_conversation(db, cpr=AVIAJA)
    draft = await create_draft(db, conversation, settings)
    await submit_draft(db, conversation, draft.draft.id, settings)
    assert await send_digest(db, settings, slot="test-one") == 1
    assert await send_digest(db, settings, slot="test-one") == 0  # the same slot runs once
    clients = {"email": SmtpClient(replace(settings, smtp_host="127.0.0.1", smtp_port=smtp.port))}
    await worker.run_once(sessions, clients)
    (mail,) = smtp.to("ane@kommune.gl")
    assert smtp.to("bo@kommune.gl") == []
    body = mail.get_body(("plain",)).get_content()
    assert "1" in body and f"{settings.public_base_url}/inbox" in body
    assert not [word for word in PERSONAL if word in body]


async def test_a_digest_run_that_fails_after_its_claim_leaves_the_slot_to_the_next_run(
    db, sessions, settings, monkeypatch
) -> None:
    from backend.outbox import service as outbox_service

    await seed_registers(db)
    await create_caseworker(db, username="ane", email="ane@kommune.gl", designated_for_digest=True)
    conversation = await create_conversation(db, cpr=AVIAJA)
    draft = await create_draft(db, conversation, settings)
    await submit_draft(db, conversation, draft.draft.id, settings)
    enqueue = outbox_service.enqueue

    async def dies(*args, **kwargs):  # the instance dies between its claim and the e-mails
        raise RuntimeError("killed")

    monkeypatch.setattr(outbox_service, "enqueue", dies)
    async with sessions() as first:
        with pytest.raises(RuntimeError):
            await send_digest(first, settings, slot="test-crash")
    monkeypatch.setattr(outbox_service, "enqueue", enqueue)
    async with sessions() as second:
        assert await send_digest(second, settings, slot="test-crash") == 1
        assert await send_digest(second, settings, slot="test-crash") == 0
