"""Which client fetches a citizen's MMS or Telegram file: in production only the provider's, which
refuses any address but Twilio's; in development also the development stand-ins, for the phone
simulator's files only."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.app import create_app
from backend.channels import dev_media as stand_ins
from backend.clients import dev_media
from backend.clients.media import (
    MediaTooLarge,
    MediaUnavailable,
    TelegramMediaClient,
    TwilioMediaClient,
    media_client,
)
from backend.config import Secret, Settings
from tests.backend.asgi import start_once_client
from tests.backend.documents import samples

ACCOUNT, TOKEN = "AC" + "0" * 32, "test-twilio-auth-token"
BASE = "https://inissiaq.example.gl"
STAND_IN_MEDIA = f"{BASE}/dev/twilio/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME{'a' * 32}"
TWILIO_MEDIA = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME1"


def configured(settings: Settings, **changes: Any) -> Settings:
    return replace(
        settings,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=Secret(TOKEN),
        telegram_bot_token=Secret("123456:development-only"),
        public_base_url=BASE,
        **changes,
    )


class Provider:
    """The provider's client, as far as the development client may call it."""

    def __init__(self) -> None:
        self.refs: list[dict[str, Any]] = []

    async def fetch(self, ref: dict[str, Any], *, max_bytes: int) -> bytes:
        self.refs.append(ref)
        return b"from the provider"


async def test_production_fetches_only_from_the_provider_and_refuses_a_stand_in_address(
    settings: Settings,
) -> None:
    production = configured(settings, mode="production")
    twilio = media_client(production, "sms")
    assert isinstance(twilio, TwilioMediaClient) and isinstance(
        media_client(production, "telegram"), TelegramMediaClient
    )
    with pytest.raises(MediaUnavailable, match="not a Twilio media address"):
        await twilio.fetch({"url": STAND_IN_MEDIA}, max_bytes=1000)


@pytest.mark.parametrize(
    ("channel", "ref", "simulated"),
    [
        ("sms", {"url": STAND_IN_MEDIA}, True),
        ("sms", {"url": TWILIO_MEDIA}, False),
        ("sms", {"url": f"https://elsewhere.example/dev/twilio/2010-04-01/Accounts/{ACCOUNT}/x"}, False),
        ("telegram", {"file_id": "dev-" + "a" * 32}, True),
        ("telegram", {"file_id": "AgACAgQAAxkBAAI"}, False),
    ],
)
async def test_development_fetches_the_simulators_files_from_the_stand_ins_and_the_rest_from_the_provider(
    settings: Settings, channel: str, ref: dict[str, Any], simulated: bool
) -> None:
    development = configured(settings, mode="development")
    provider = Provider()
    client = dev_media.DevelopmentMediaClient(development, channel, provider)
    assert client.simulated(ref) is simulated
    assert isinstance(media_client(development, channel), dev_media.DevelopmentMediaClient)
    if not simulated:
        assert await client.fetch(ref, max_bytes=1000) == b"from the provider" and provider.refs == [ref]


async def test_the_twilio_media_client_fetches_from_the_stand_in_with_the_accounts_credentials_and_the_limit(
    settings: Settings, engine: Any, tmp_path: Path
) -> None:
    development = configured(settings, mode="development", dev_media_dir=tmp_path)
    app = create_app(development, name="inissiaq_test_media_stand_in")
    starter = start_once_client(app)
    try:
        await starter.get("/healthz")  # started, as a running instance is
        lease = samples.pdf(1)
        key = stand_ins.keep(development, lease, content_type="application/pdf", filename="lease.pdf")
        url = f"{BASE}/dev/twilio/2010-04-01/Accounts/{ACCOUNT}/Messages/MM1/Media/ME{key}"
        origin = f"{BASE}/dev/twilio"
        transport = httpx.ASGITransport(app=app)
        client = TwilioMediaClient(development, transport, origin=origin, api_base=origin)
        assert await client.fetch({"url": url}, max_bytes=len(lease)) == lease
        with pytest.raises(MediaTooLarge):
            await client.fetch({"url": url}, max_bytes=len(lease) - 1)
        wrong = TwilioMediaClient(
            replace(development, twilio_auth_token=Secret("wrong")), transport, origin=origin, api_base=origin
        )
        with pytest.raises(MediaUnavailable, match="401"):
            await wrong.fetch({"url": url}, max_bytes=len(lease))
    finally:
        await starter.stop()
