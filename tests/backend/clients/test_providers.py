"""The real twilio, python-telegram-bot and aiosmtplib clients against local fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from backend.clients.base import Outgoing, OutgoingButton, PermanentFailure, TemporaryFailure
from backend.clients.dev_sink import DevSinkClient
from backend.clients.factory import UnconfiguredClient, build_clients
from backend.clients.smtp import SmtpClient
from backend.clients.telegram import TelegramClient
from backend.clients.twilio_sms import TwilioSmsClient
from backend.config import Secret, Settings
from tests.fakes.server import free_port
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio

SID, TOKEN, BOT = "AC" + "1" * 32, "twilio-token", "123:abc"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(SID, TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(BOT)
    await fake.start()
    yield fake
    await fake.stop()


def provider_settings(settings: Settings, **values: object) -> Settings:
    defaults: dict[str, object] = {
        "twilio_account_sid": SID,
        "twilio_auth_token": Secret(TOKEN),
        "twilio_from_number": "+299321000",
        "telegram_bot_token": Secret(BOT),
        "public_base_url": "https://inissiaq.example.gl",
    }
    return replace(settings, **{**defaults, **values})


def sms(to: str = "+299551234", text: str = "Hej") -> Outgoing:
    return Outgoing(channel="sms", to=to, text=text)


async def test_twilio_send_returns_the_sid_and_asks_for_status_callbacks(settings, twilio) -> None:
    client = TwilioSmsClient(provider_settings(settings, twilio_api_base=twilio.base_url))
    try:
        sid = await client.send(sms())
    finally:
        await client.close()
    (message,) = twilio.messages
    assert sid == message["sid"] and sid.startswith("SM")
    assert (message["to"], message["from"], message["body"]) == ("+299551234", "+299321000", "Hej")
    assert message["status_callback"] == "https://inissiaq.example.gl/webhooks/twilio/status"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        (lambda fake: fake.fail_next(1, 500), TemporaryFailure),
        (lambda fake: fake.fail_next(1, 503), TemporaryFailure),
        (lambda fake: fake.rate_limit_next(1), TemporaryFailure),
        (lambda fake: fake.refuse("+299551234", code=21610), PermanentFailure),
    ],
)
async def test_twilio_errors_are_temporary_or_permanent(settings, twilio, script, expected) -> None:
    script(twilio)
    client = TwilioSmsClient(provider_settings(settings, twilio_api_base=twilio.base_url))
    try:
        with pytest.raises(expected):
            await client.send(sms())
    finally:
        await client.close()


async def test_twilio_wrong_credentials_and_unreachable(settings, twilio) -> None:
    wrong = TwilioSmsClient(
        provider_settings(settings, twilio_api_base=twilio.base_url, twilio_auth_token=Secret("x"))
    )
    gone = TwilioSmsClient(provider_settings(settings, twilio_api_base=f"http://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(PermanentFailure, match="20003"):
            await wrong.send(sms())
        with pytest.raises(TemporaryFailure):
            await gone.send(sms())
    finally:
        await wrong.close()
        await gone.close()


async def test_telegram_buttons_become_an_inline_keyboard(settings, telegram) -> None:
    client = TelegramClient(provider_settings(settings, telegram_api_base=telegram.base_url))
    message = Outgoing(
        channel="telegram", to="4242", text="Er boligen rigtig?", buttons=[OutgoingButton("Ja", "/affirm")]
    )
    try:
        message_id = await client.send(message)
        await client.answer_callback_query("cq1")
    finally:
        await client.close()
    (sent,) = telegram.sent
    assert message_id == "1" and sent["chat_id"] == 4242 and sent["text"] == "Er boligen rigtig?"
    assert sent["reply_markup"] == {"inline_keyboard": [[{"text": "Ja", "callback_data": "/affirm"}]]}
    assert telegram.callback_answers == ["cq1"]


async def test_telegram_errors(settings, telegram) -> None:
    client = TelegramClient(provider_settings(settings, telegram_api_base=telegram.base_url))
    try:
        telegram.retry_after_next(4242, 7)
        with pytest.raises(TemporaryFailure) as limited:
            await client.send(Outgoing(channel="telegram", to="4242", text="x"))
        assert limited.value.retry_after == 7
        telegram.fail_next(1, 500)
        with pytest.raises(TemporaryFailure):
            await client.send(Outgoing(channel="telegram", to="4242", text="x"))
        telegram.block(5151)
        with pytest.raises(PermanentFailure, match="blocked"):
            await client.send(Outgoing(channel="telegram", to="5151", text="x"))
        with pytest.raises(PermanentFailure):
            await client.send(Outgoing(channel="telegram", to="4242", text=" "))
    finally:
        await client.close()
    wrong = TelegramClient(
        provider_settings(settings, telegram_api_base=telegram.base_url, telegram_bot_token=Secret("9:z"))
    )
    with pytest.raises(PermanentFailure):
        await wrong.send(Outgoing(channel="telegram", to="4242", text="x"))


class Recorder:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list
    ) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server():  # type: ignore[no-untyped-def]
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, recorder
    controller.stop()


async def test_smtp_sends_plain_text_and_html(settings, smtp_server) -> None:
    controller, recorder = smtp_server
    client = SmtpClient(replace(settings, smtp_host="127.0.0.1", smtp_port=controller.port))
    message_id = await client.send(
        Outgoing(
            channel="email",
            to="borger@example.gl",
            text="Ny besked",
            subject="Besked",
            html="<p>Ny besked</p>",
        )
    )
    (envelope,) = recorder.envelopes
    email = message_from_bytes(envelope.content)
    assert email["Message-ID"] == message_id and email["Subject"] == "Besked"
    assert [part.get_content_type() for part in email.walk()][1:] == ["text/plain", "text/html"]
    with pytest.raises(PermanentFailure):
        await client.send(Outgoing(channel="email", to="nobody@example.gl", text="x", subject="x"))


async def test_smtp_unreachable_is_temporary(settings) -> None:
    client = SmtpClient(replace(settings, smtp_host="127.0.0.1", smtp_port=free_port()))
    with pytest.raises(TemporaryFailure):
        await client.send(Outgoing(channel="email", to="a@example.gl", text="x", subject="x"))


def test_the_factory_uses_the_sink_in_development_and_refuses_unconfigured_production(settings) -> None:
    development = build_clients(provider_settings(settings))
    assert all(isinstance(c, DevSinkClient) for c in development.values())
    faked = build_clients(
        provider_settings(
            settings, twilio_api_base="http://127.0.0.1:1", telegram_api_base="http://127.0.0.1:1"
        )
    )
    assert isinstance(faked["sms"], TwilioSmsClient) and isinstance(faked["telegram"], TelegramClient)
    production = build_clients(replace(settings, mode="production"))
    assert all(isinstance(c, UnconfiguredClient) for c in production.values())
