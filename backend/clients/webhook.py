"""Webhook deliveries (backend/machine/webhooks.py): a signed JSON POST to the client's URL.

The URL and the signing secret are read at sending time, so a removed webhook or a revoked client gets
nothing more. 2xx is delivered; a network error, a timeout, 408, 429 or 5xx is temporary (the outbox
retries with backoff); any other answer, or a webhook no longer registered, is permanent.
"""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.machine.webhooks import DELIVERY_HEADER, SIGNATURE_HEADER, signature_header
from backend.models.machine_clients import MachineClient

TIMEOUT_SECONDS = 10.0


class WebhookClient:
    channel = "webhook"

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self._sessions = sessions
        self._http = httpx.AsyncClient(timeout=TIMEOUT_SECONDS, transport=transport, follow_redirects=False)

    async def send(self, message: Outgoing) -> str:
        async with self._sessions() as db:
            client = await db.get(MachineClient, message.to)
            url, secret = (
                (client.webhook_url, client.webhook_secret) if client and client.active else (None, None)
            )
        if not url or not secret:
            raise PermanentFailure("no webhook registered for this client")
        body = message.text.encode("utf-8")
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(secret, body),
            DELIVERY_HEADER: message.reference,
        }
        try:
            response = await self._http.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise TemporaryFailure(f"webhook unreachable ({type(error).__name__})") from error
        if 200 <= response.status_code < 300:
            return f"webhook-{message.reference}"
        if response.status_code in (408, 429) or response.status_code >= 500:
            raise TemporaryFailure(f"webhook answered {response.status_code}")
        raise PermanentFailure(f"webhook answered {response.status_code}")

    async def close(self) -> None:
        await self._http.aclose()
