"""Which client the factory picks per channel and mode; the development sink."""

from __future__ import annotations

import logging
import re

import pytest

from backend.clients.base import Outgoing, PermanentFailure
from backend.clients.dev_sink import DevSinkClient
from backend.clients.factory import UnconfiguredClient, build_clients
from backend.clients.smtp import SmtpClient
from backend.clients.telegram import TelegramClient
from backend.clients.twilio_sms import TwilioSmsClient
from backend.config import Secret, Settings

CREDENTIALS: dict[str, object] = {
    "twilio_account_sid": "AC" + "1" * 32,
    "twilio_auth_token": Secret("token"),
    "twilio_from_number": "+299321000",
    "telegram_bot_token": Secret("123:abc"),
}
API_BASES: dict[str, object] = {
    "twilio_api_base": "http://127.0.0.1:1",
    "telegram_api_base": "http://127.0.0.1:1",
    "smtp_host": "127.0.0.1",
}


def kinds(mode: str, **values: object) -> dict[str, type]:
    clients = build_clients(Settings(mode=mode, **values))  # type: ignore[arg-type]
    assert set(clients) == {"sms", "telegram", "email"}
    assert all(client.channel == channel for channel, client in clients.items())
    return {channel: type(client) for channel, client in clients.items()}


def test_development_uses_the_sink_for_default_credentials() -> None:
    assert set(kinds("development").values()) == {DevSinkClient}
    assert set(kinds("development", **CREDENTIALS).values()) == {DevSinkClient}


def test_development_uses_real_clients_pointed_somewhere_explicitly() -> None:
    assert kinds("development", **CREDENTIALS, **API_BASES) == {
        "sms": TwilioSmsClient,
        "telegram": TelegramClient,
        "email": SmtpClient,
    }


def test_development_needs_credentials_besides_an_api_base() -> None:
    assert kinds("development", **API_BASES) == {
        "sms": DevSinkClient,
        "telegram": DevSinkClient,
        "email": SmtpClient,
    }
    partial = {**CREDENTIALS, "twilio_from_number": ""}
    assert kinds("development", **partial, **API_BASES)["sms"] is DevSinkClient


def test_production_uses_real_clients_whenever_configured() -> None:
    assert kinds("production", **CREDENTIALS, smtp_host="mail.example.gl") == {
        "sms": TwilioSmsClient,
        "telegram": TelegramClient,
        "email": SmtpClient,
    }


@pytest.mark.parametrize("channel", ["sms", "telegram", "email"])
async def test_unconfigured_production_fails_every_send_permanently(channel) -> None:
    client = build_clients(Settings(mode="production"))[channel]
    assert isinstance(client, UnconfiguredClient)
    with pytest.raises(PermanentFailure, match=f"^{channel} provider not configured$"):
        await client.send(Outgoing(channel=channel, to="x", text="x"))
    await client.close()


async def test_the_sink_accepts_everything_and_logs_no_personal_data(caplog) -> None:
    sink = DevSinkClient("sms")
    caplog.set_level(logging.DEBUG, logger="inissiaq.clients.dev_sink")
    first = await sink.send(Outgoing(channel="sms", to="+299551234", text="Hemmelig tekst", reference="42"))
    second = await sink.send(Outgoing(channel="sms", to="+299551234", text="", reference="43"))
    assert re.fullmatch(r"dev-[0-9a-f]{16}", first) and first != second
    logged = caplog.text
    assert "42" in logged and "sms" in logged
    assert "299551234" not in logged and "Hemmelig" not in logged
    await sink.close()
