"""The SMS webhook: Twilio signatures, replays, keywords, numbered options, and the inbound worker."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from backend.app import create_app
from backend.channels import inbound, rasa_client, texts
from backend.config import Secret
from backend.models.conversations import ChatMessage, Conversation
from backend.models.outbox import InboundMessage, OptOut, OutboxMessage
from backend.models.states import InboundState, OutboxState
from backend.nlg import translate
from backend.outbox import service
from tests.backend.channels.support import FakeRasa

TOKEN = "test-twilio-auth-token"
PHONE = "+299551234"


@pytest.fixture
def sms_app(settings, engine):  # type: ignore[no-untyped-def]
    configured = replace(
        settings,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token=Secret(TOKEN),
        twilio_from_number="+4520000000",
        public_base_url="https://inissiaq.example.gl",
    )
    return create_app(configured, name=f"inissiaq_test_sms_{id(configured)}")


def signed(path: str, params: dict[str, str], token: str = TOKEN) -> dict[str, str]:
    url = f"https://inissiaq.example.gl{path}"
    return {"X-Twilio-Signature": RequestValidator(token).compute_signature(url, params)}


def sms(sid: str, body: str, sender: str = PHONE) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": "+4520000000",
        "Body": body,
    }


async def post(app, path: str, params: dict[str, str], headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.post(path, data=params, headers=headers or {})
    return response


async def run_inbound(app, sessions) -> int:  # type: ignore[no-untyped-def]
    """One round of the inbound worker, with what start-up gives it (each test request restarts the app)."""
    app.ctx.sessions = sessions
    await rasa_client.start(app)
    try:
        return await inbound.run_once(app)
    finally:
        await rasa_client.stop(app)


async def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return (await db.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_signed_sms_is_queued_and_answered_with_empty_twiml(sms_app, db) -> None:
    params = sms("SM" + "1" * 32, "Hvad er boligsikring?")
    response = await post(sms_app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert "<Response></Response>" in response.text
    queued = (await db.execute(select(InboundMessage))).scalars().one()
    assert (queued.channel, queued.sender, queued.text, queued.status) == (
        "sms",
        PHONE,
        "Hvad er boligsikring?",
        InboundState.QUEUED,
    )
    assert queued.conversation_id is None  # the webhook only inserts; the worker opens the conversation
    assert await count(db, Conversation) == 0


async def test_the_worker_opens_the_conversation_of_the_number_and_keeps_using_it(
    sms_app, sessions, db
) -> None:
    FakeRasa().install(sms_app)
    for n in range(2):
        params = sms(f"SM{n + 50:032d}", "hej")
        await post(sms_app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
        await run_inbound(sms_app, sessions)
    conversation = (await db.execute(select(Conversation))).scalars().one()
    assert (conversation.channel, conversation.channel_address) == ("sms", PHONE)
    rows = (await db.execute(select(InboundMessage).order_by(InboundMessage.id))).scalars().all()
    assert [(r.conversation_id, r.status) for r in rows] == [(conversation.id, InboundState.DONE)] * 2


@pytest.mark.parametrize("headers", [{}, {"X-Twilio-Signature": "forged"}, "wrong-token"])
async def test_an_unsigned_or_forged_request_is_refused_and_changes_nothing(sms_app, db, headers) -> None:
    params = sms("SM" + "2" * 32, "STOP")
    if headers == "wrong-token":
        headers = signed("/webhooks/twilio/sms", params, token="not-the-token")
    response = await post(sms_app, "/webhooks/twilio/sms", params, headers)
    assert response.status == 403
    assert await count(db, InboundMessage) == 0
    assert await count(db, Conversation) == 0
    assert await count(db, OptOut) == 0


async def test_a_changed_body_breaks_the_signature(sms_app, db) -> None:
    params = sms("SM" + "3" * 32, "hej")
    headers = signed("/webhooks/twilio/sms", params)
    response = await post(sms_app, "/webhooks/twilio/sms", {**params, "Body": "STOP"}, headers)
    assert response.status == 403


async def test_a_replayed_message_sid_is_stored_once(sms_app, db) -> None:
    params = sms("SM" + "4" * 32, "hej")
    for _ in range(3):
        response = await post(sms_app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
        assert response.status == 200
    assert await count(db, InboundMessage) == 1


@pytest.mark.parametrize("body", ["garbage", ""])
async def test_a_signed_request_without_sender_or_sid_is_a_clear_400(sms_app, db, body) -> None:
    params = {"MessageSid": "", "From": body, "Body": "hej"}
    response = await post(sms_app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
    assert response.status == 400
    assert await count(db, InboundMessage) == 0


async def test_stop_opts_out_with_one_confirmation_and_start_opts_back_in(sms_app, db) -> None:
    stop = sms("SM" + "5" * 32, "stop")
    await post(sms_app, "/webhooks/twilio/sms", stop, signed("/webhooks/twilio/sms", stop))
    await post(sms_app, "/webhooks/twilio/sms", stop, signed("/webhooks/twilio/sms", stop))  # a retry
    assert await service.is_opted_out(db, "sms", PHONE)
    assert (
        await service.enqueue(db, channel="sms", to=PHONE, text="news", kind="message_notification") is None
    )
    outbox = (await db.execute(select(OutboxMessage))).scalars().all()
    assert [(m.kind, m.text) for m in outbox] == [
        ("opt_out_confirmation", translate("kl", texts.SMS_OPTED_OUT))
    ]
    start = sms("SM" + "6" * 32, "START")
    await post(sms_app, "/webhooks/twilio/sms", start, signed("/webhooks/twilio/sms", start))
    await db.rollback()
    assert not await service.is_opted_out(db, "sms", PHONE)
    assert await count(db, InboundMessage) == 2  # keywords never reach the bot queue as "queued"
    assert (await db.execute(select(InboundMessage.status))).scalars().all() == [InboundState.DONE] * 2


@pytest.mark.parametrize("word", ["HELP", "hjælp", "Hjälp"])
async def test_help_answers_with_the_service_and_how_to_reach_the_municipality(sms_app, db, word) -> None:
    params = sms("SM" + "7" * 32, word)
    await post(sms_app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
    (reply,) = (await db.execute(select(OutboxMessage))).scalars().all()
    assert reply.kind == "help" and "+299 34 50 00" in reply.text and "STOP" in reply.text


async def test_status_callbacks_are_signed_and_never_overwrite_a_final_state(sms_app, db) -> None:
    message = await service.enqueue(db, channel="sms", to=PHONE, text="x", kind="bot_reply")
    assert message is not None
    message.status, message.provider_id = OutboxState.SENT, "SM" + "8" * 32
    await db.commit()
    delivered = {"MessageSid": message.provider_id, "MessageStatus": "delivered"}
    forged = await post(sms_app, "/webhooks/twilio/status", delivered, {"X-Twilio-Signature": "x"})
    assert forged.status == 403
    ok = await post(
        sms_app, "/webhooks/twilio/status", delivered, signed("/webhooks/twilio/status", delivered)
    )
    assert ok.status == 204
    late = {"MessageSid": message.provider_id, "MessageStatus": "failed", "ErrorCode": "30003"}
    await post(sms_app, "/webhooks/twilio/status", late, signed("/webhooks/twilio/status", late))
    await db.refresh(message)
    assert message.status == OutboxState.DELIVERED


async def test_the_worker_runs_the_turn_and_queues_numbered_options(sms_app, sessions, db) -> None:
    rasa = FakeRasa().install(sms_app)
    first = sms("SM" + "9" * 32, "hej")
    await post(sms_app, "/webhooks/twilio/sms", first, signed("/webhooks/twilio/sms", first))
    assert await run_inbound(sms_app, sessions) == 1
    reply = (await db.execute(select(OutboxMessage))).scalars().one()
    assert (reply.channel, reply.recipient, reply.kind) == ("sms", PHONE, "bot_reply")
    assert reply.text == "echo: hej\n1. Yes"
    answer = sms("SM" + "a" * 32, "1")
    await post(sms_app, "/webhooks/twilio/sms", answer, signed("/webhooks/twilio/sms", answer))
    await run_inbound(sms_app, sessions)
    assert rasa.messages == ["hej", "/affirm"]  # "1" is the first option's payload
    citizen = (
        (await db.execute(select(ChatMessage.text).where(ChatMessage.sender == "citizen"))).scalars().all()
    )
    assert citizen == ["hej", "/affirm"]


async def test_messages_of_one_conversation_are_handled_one_at_a_time_in_order(sms_app, sessions, db) -> None:
    rasa = FakeRasa().install(sms_app)
    for n, text in enumerate(["one", "two", "three"]):
        params = sms(f"SM{n:032d}", text)
        await post(sms_app, "/webhooks/twilio/sms", params, signed("/webhooks/twilio/sms", params))
    other = sms("SM" + "f" * 32, "other phone", sender="+299223344")
    await post(sms_app, "/webhooks/twilio/sms", other, signed("/webhooks/twilio/sms", other))
    assert await run_inbound(sms_app, sessions) == 2  # the head of each conversation
    assert await run_inbound(sms_app, sessions) == 1
    assert await run_inbound(sms_app, sessions) == 1
    assert [m for m in rasa.messages if m != "other phone"] == ["one", "two", "three"]
