"""The real twilio library, through TwilioSmsClient, against the local fake of Twilio's Messages API."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from backend.clients import twilio_sms
from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.clients.twilio_sms import TwilioSmsClient
from backend.config import Secret, Settings
from tests.fakes.server import free_port
from tests.fakes.twilio_api import FakeTwilio

SID, TOKEN, SENDER, CITIZEN = "AC" + "1" * 32, "twilio-token", "+299321000", "+299551234"


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(SID, TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


def settings_for(api_base: str, **values: object) -> Settings:
    fields: dict[str, object] = {
        "mode": "development",
        "twilio_account_sid": SID,
        "twilio_auth_token": Secret(TOKEN),
        "twilio_from_number": SENDER,
        "twilio_api_base": api_base,
        "public_base_url": "https://inissiaq.example.gl",
        **values,
    }
    return Settings(**fields)  # type: ignore[arg-type]


@pytest.fixture
async def client(twilio: FakeTwilio) -> AsyncIterator[TwilioSmsClient]:
    sms = TwilioSmsClient(settings_for(twilio.base_url))
    yield sms
    await sms.close()


def sms(to: str = CITIZEN, text: str = "Hej, din ansøgning er modtaget.") -> Outgoing:
    return Outgoing(channel="sms", to=to, text=text, reference="17")


async def test_send_returns_the_sid_and_asks_for_status_callbacks(client, twilio) -> None:
    sid = await client.send(sms())
    (message,) = twilio.messages
    assert sid == message["sid"] and sid.startswith("SM") and len(sid) == 34
    assert (message["to"], message["from"], message["body"]) == (
        CITIZEN,
        SENDER,
        "Hej, din ansøgning er modtaget.",
    )
    assert message["status_callback"] == "https://inissiaq.example.gl/webhooks/twilio/status"
    assert client.channel == "sms"


async def test_the_client_can_be_closed_and_used_again(client, twilio) -> None:
    await client.send(sms(text="one"))
    await client.close()
    await client.send(sms(text="two"))
    assert twilio.sent_to(CITIZEN) == ["one", "two"]


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_temporary(client, twilio, status) -> None:
    twilio.fail_next(1, status)
    with pytest.raises(TemporaryFailure) as failure:
        await client.send(sms())
    assert failure.value.retry_after is None
    assert twilio.messages == []
    await client.send(sms())  # the next request goes through
    assert len(twilio.messages) == 1


async def test_rate_limits_are_temporary_with_twilios_wait_when_given(client, twilio) -> None:
    twilio.rate_limit_next(1)
    with pytest.raises(TemporaryFailure, match="20429") as plain:
        await client.send(sms())
    assert plain.value.retry_after is None
    twilio.rate_limit_next(1, retry_after=3)
    with pytest.raises(TemporaryFailure, match="20429") as timed:
        await client.send(sms())
    assert timed.value.retry_after == 3.0


async def test_rate_limit_codes_are_temporary_whatever_the_status(client, twilio) -> None:
    twilio.refuse(CITIZEN, code=14107, status=400)
    with pytest.raises(TemporaryFailure, match="14107"):
        await client.send(sms())


@pytest.mark.parametrize("number", ["+0299551234", "299551234", "+29955"])
async def test_an_invalid_number_is_permanent_and_not_quoted(client, twilio, number) -> None:
    with pytest.raises(PermanentFailure, match="twilio 21211") as failure:
        await client.send(sms(to=number))
    assert number not in failure.value.reason and "299" not in failure.value.reason


@pytest.mark.parametrize("code", [21610, 21408])
async def test_refused_recipients_are_permanent(client, twilio, code) -> None:
    twilio.refuse(CITIZEN, code=code)
    with pytest.raises(PermanentFailure, match=f"twilio {code}: "):
        await client.send(sms())


async def test_a_too_long_body_is_permanent(client, twilio) -> None:
    with pytest.raises(PermanentFailure, match="21617"):
        await client.send(sms(text="x" * 1601))
    await client.send(sms(text="x" * 1600))
    assert len(twilio.messages) == 1


async def test_wrong_credentials_are_permanent(twilio) -> None:
    for values in ({"twilio_auth_token": Secret("wrong")}, {"twilio_account_sid": "AC" + "2" * 32}):
        client = TwilioSmsClient(settings_for(twilio.base_url, **values))
        try:
            with pytest.raises(PermanentFailure, match="twilio 20003"):
                await client.send(sms())
        finally:
            await client.close()
    assert twilio.messages == [] and twilio.requests == 2


async def test_an_unreachable_api_is_temporary() -> None:
    client = TwilioSmsClient(settings_for(f"http://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(TemporaryFailure, match="unreachable"):
            await client.send(sms())
    finally:
        await client.close()


async def test_a_silent_api_times_out_as_temporary(monkeypatch) -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(5)
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setattr(twilio_sms, "TIMEOUT_SECONDS", 0.3)
    client = TwilioSmsClient(settings_for(f"http://127.0.0.1:{port}"))
    try:
        with pytest.raises(TemporaryFailure):
            await asyncio.wait_for(client.send(sms()), timeout=3)
    finally:
        await client.close()
        server.close()


async def test_the_fake_builds_status_callbacks(client, twilio) -> None:
    sid = await client.send(sms())
    delivered = twilio.status_callback_params(sid, "delivered")
    assert delivered["MessageSid"] == sid and delivered["MessageStatus"] == "delivered"
    assert (delivered["AccountSid"], delivered["To"], delivered["From"]) == (SID, CITIZEN, SENDER)
    assert "ErrorCode" not in delivered
    assert twilio.status_callback_params(sid, "undelivered")["ErrorCode"] == "30003"


def test_the_fake_runs_in_a_thread_for_synchronous_tests() -> None:
    fake = FakeTwilio(SID, TOKEN)
    fake.start_in_thread()
    try:
        client = TwilioSmsClient(settings_for(fake.base_url))

        async def send() -> str:
            try:
                return await client.send(sms())
            finally:
                await client.close()

        sid = asyncio.run(send())
    finally:
        fake.stop_in_thread()
    assert [m["sid"] for m in fake.messages] == [sid]
