"""SMS through the twilio library (async), pointed at `TWILIO_API_BASE` when set (the tests' fake).

Errors: HTTP 429, Twilio's rate-limit codes and 5xx are temporary, as are network errors and timeouts;
any other 4xx (invalid number 21211, unsubscribed recipient 21610, wrong credentials 20003, ...) is
permanent. Reasons never contain the recipient's number (Twilio puts it in some messages).
"""

from __future__ import annotations

import asyncio
import re
from base64 import b64encode
from contextvars import ContextVar

import aiohttp
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.config import Settings

TWILIO_API = "https://api.twilio.com"
RATE_LIMIT_CODES = frozenset({20429, 14107})  # "Too Many Requests", "Message rate limit exceeded"
TIMEOUT_SECONDS = 15.0
_DIGITS = re.compile(r"\+?\d[\d ()-]{3,}\d")

# The Retry-After header of the last response in this task (the twilio exception drops the headers).
_retry_after: ContextVar[float | None] = ContextVar("twilio_retry_after", default=None)


def _header_seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: let the outbox back off on its own


class RebasedHttpClient(AsyncTwilioHttpClient):
    """Twilio's own async HTTP client, with `https://api.twilio.com` replaced by `base` (local fakes)
    and a default timeout (the library passes none to aiohttp otherwise)."""

    def __init__(self, base: str = "", timeout: float = TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.base = base.rstrip("/")

    async def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.base and url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        if auth is not None:  # as a header: aiohttp deprecates its `auth=BasicAuth(...)` argument
            credentials = b64encode(f"{auth[0]}:{auth[1]}".encode()).decode("ascii")
            headers = {**(headers or {}), "Authorization": f"Basic {credentials}"}
        response = await super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            timeout=self.timeout if timeout is None else timeout,
            allow_redirects=allow_redirects,
        )
        _retry_after.set(_header_seconds((response.headers or {}).get("Retry-After")))
        return response


def _scrub(text: str) -> str:
    """Twilio's messages can quote the phone number: keep them out of reasons (they are logged)."""
    return _DIGITS.sub("…", text)


class TwilioSmsClient:
    """Sends `Outgoing.text` to `Outgoing.to` (E.164) from `TWILIO_FROM_NUMBER`; returns the SID."""

    channel = "sms"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None
        self._http: RebasedHttpClient | None = None

    def _twilio(self) -> Client:
        # Created on first use, inside the running event loop (aiohttp's session must be).
        if self._client is None:
            self._http = RebasedHttpClient(self._settings.twilio_api_base, timeout=TIMEOUT_SECONDS)
            self._client = Client(
                self._settings.twilio_account_sid,
                self._settings.twilio_auth_token.reveal(),
                http_client=self._http,
            )
        return self._client

    async def send(self, message: Outgoing) -> str:
        _retry_after.set(None)
        try:
            created = await self._twilio().messages.create_async(
                to=message.to,
                from_=self._settings.twilio_from_number,
                body=message.text,
                status_callback=f"{self._settings.public_base_url}/webhooks/twilio/status",
            )
        except TwilioRestException as error:
            raise _mapped(error.status, error.code, str(error.msg)) from error
        except TwilioServiceException as error:
            raise _mapped(error.status, error.code, str(error.detail or error.title)) from error
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as error:
            raise TemporaryFailure(f"twilio unreachable: {type(error).__name__}") from error
        return str(created.sid)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._http = self._client = None


def _mapped(status: int, code: int | None, msg: str) -> TemporaryFailure | PermanentFailure:
    reason = f"twilio {code or status}: {_scrub(msg)}"[:300]
    if status == 429 or code in RATE_LIMIT_CODES:
        return TemporaryFailure(reason, retry_after=_retry_after.get())
    if status >= 500:
        return TemporaryFailure(reason)
    return PermanentFailure(reason)
