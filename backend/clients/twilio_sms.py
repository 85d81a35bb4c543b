"""SMS through the twilio library (async), pointed at `TWILIO_API_BASE` when set (the tests' fake)."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.config import Settings

TWILIO_API = "https://api.twilio.com"
RATE_LIMIT_CODES = frozenset({20429, 14107})
TIMEOUT_SECONDS = 15.0


class _RebasedHttpClient(AsyncTwilioHttpClient):
    """Twilio's own async HTTP client, with the API's address replaced by `base` (local fakes)."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=TIMEOUT_SECONDS)
        self._base = base.rstrip("/")

    async def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self._base and url.startswith(TWILIO_API):
            url = self._base + url[len(TWILIO_API) :]
        return await super().request(method, url, *args, **kwargs)


class TwilioSmsClient:
    channel = "sms"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None
        self._http: _RebasedHttpClient | None = None

    def _twilio(self) -> Client:
        # Created inside the running event loop (aiohttp's session must be).
        if self._client is None:
            self._http = _RebasedHttpClient(self._settings.twilio_api_base)
            self._client = Client(
                self._settings.twilio_account_sid,
                self._settings.twilio_auth_token.reveal(),
                http_client=self._http,
            )
        return self._client

    async def send(self, message: Outgoing) -> str:
        try:
            created = await self._twilio().messages.create_async(
                to=message.to,
                from_=self._settings.twilio_from_number,
                body=message.text,
                status_callback=f"{self._settings.public_base_url}/webhooks/twilio/status",
            )
        except TwilioRestException as error:
            reason = f"twilio {error.code or error.status}: {error.msg}"[:300]
            if error.status == 429 or error.code in RATE_LIMIT_CODES or error.status >= 500:
                raise TemporaryFailure(reason) from error
            raise PermanentFailure(reason) from error
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise TemporaryFailure(f"twilio unreachable: {type(error).__name__}") from error
        return str(created.sid)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
