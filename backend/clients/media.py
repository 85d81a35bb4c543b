"""Fetching the files citizens send by MMS (Twilio) and Telegram, behind one small interface.

`MediaClient.fetch(ref)` returns the file's bytes, at most `max_bytes` (`MediaTooLarge` beyond, read as
a stream and cut off), or raises `MediaUnavailable`. Twilio: the `MediaUrl` from the webhook, fetched
with the account's credentials (HTTP Basic), only on api.twilio.com (or `TWILIO_API_BASE`, the
tests' fake): a forged webhook cannot make us fetch another address. Telegram: `getFile` and the file
download through python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE` when set.

In development mode `media_client` wraps the provider's client in `DevelopmentMediaClient`
(`dev_media.py`): the phone simulator's files are fetched by the same two clients from the backend's
development stand-ins for Twilio and Telegram, every other file from the provider as above.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from backend.config import Settings

TWILIO_API = "https://api.twilio.com"
TIMEOUT_SECONDS = 30.0


class MediaUnavailable(Exception):
    """The provider did not give us the file (unknown, expired, refused, unreachable)."""


class MediaTooLarge(Exception):
    """The file is larger than the upload limit; nothing of it is kept."""


class MediaClient(Protocol):
    async def fetch(self, ref: dict[str, Any], *, max_bytes: int) -> bytes: ...


class TwilioMediaClient:
    """Media of `origin` (Twilio's API, or the development stand-in), fetched from `api_base` when
    given, else from `TWILIO_API_BASE` or the origin itself."""

    def __init__(
        self,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        origin: str = TWILIO_API,
        api_base: str = "",
    ) -> None:
        self._settings = settings
        self._transport = transport
        self._origin = urlsplit(origin.rstrip("/"))
        self._base = (api_base or settings.twilio_api_base or origin).rstrip("/")

    def _url(self, url: str) -> str:
        parts, origin = urlsplit(url), self._origin
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or not parts.path.startswith(
            origin.path + "/"
        ):
            raise MediaUnavailable("not a Twilio media address")
        path = parts.path.removeprefix(origin.path)
        if not path.startswith(f"/2010-04-01/Accounts/{self._settings.twilio_account_sid}/"):
            raise MediaUnavailable("media of another account")
        return self._base + path

    async def fetch(self, ref: dict[str, Any], *, max_bytes: int) -> bytes:
        url = self._url(str(ref.get("url") or ""))
        auth = (self._settings.twilio_account_sid, self._settings.twilio_auth_token.reveal())
        try:
            async with (
                httpx.AsyncClient(
                    transport=self._transport, timeout=TIMEOUT_SECONDS, follow_redirects=True
                ) as client,
                client.stream("GET", url, auth=auth) as response,
            ):
                if response.status_code != 200:
                    raise MediaUnavailable(f"twilio media answered {response.status_code}")
                return await _bounded(response.aiter_bytes(), max_bytes)
        except httpx.HTTPError as error:
            raise MediaUnavailable(f"twilio media unreachable: {type(error).__name__}") from error


class TelegramMediaClient:
    """Files through the Bot API at `api_base` when given, else `TELEGRAM_API_BASE` or Telegram's."""

    def __init__(self, settings: Settings, *, api_base: str = "") -> None:
        from telegram import Bot

        base = (api_base or settings.telegram_api_base).rstrip("/")
        urls = {"base_url": f"{base}/bot", "base_file_url": f"{base}/file/bot"} if base else {}
        self._bot = Bot(settings.telegram_bot_token.reveal(), **urls)

    async def fetch(self, ref: dict[str, Any], *, max_bytes: int) -> bytes:
        from telegram.error import TelegramError

        size = ref.get("size")
        if isinstance(size, int) and size > max_bytes:
            raise MediaTooLarge
        try:
            async with self._bot:
                file = await self._bot.get_file(str(ref.get("file_id") or ""))
                if file.file_size is not None and file.file_size > max_bytes:
                    raise MediaTooLarge
                data = bytes(await file.download_as_bytearray())
        except TelegramError as error:
            raise MediaUnavailable(f"telegram file unavailable: {type(error).__name__}") from error
        if len(data) > max_bytes:
            raise MediaTooLarge
        return data


async def _bounded(chunks: Any, max_bytes: int) -> bytes:
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:
            raise MediaTooLarge
        parts.append(chunk)
    return b"".join(parts)


def media_client(settings: Settings, channel: str) -> MediaClient:
    """The client that fetches `channel`'s files (sms: Twilio, telegram: Telegram); in development
    mode it also fetches the phone simulator's files from the development stand-ins."""
    provider: MediaClient
    if channel == "sms":
        provider = TwilioMediaClient(settings)
    elif channel == "telegram":
        provider = TelegramMediaClient(settings)
    else:
        raise ValueError(f"no media on {channel}")
    if settings.development:
        from backend.clients.dev_media import DevelopmentMediaClient

        return DevelopmentMediaClient(settings, channel, provider)
    return provider
