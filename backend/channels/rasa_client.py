"""The backend's client of Rasa's gateway channel (bot/channels/gateway.py).

One `httpx.AsyncClient` per process, created in a start-up hook and kept on `app.ctx.rasa_http`
(register this module in `STARTUP`). Tests can put an `httpx` transport on `app.ctx.rasa_transport`
before the app starts. Every failure (refused connection, timeout, 401/5xx, a reply that is not Rasa's
REST list) becomes `RasaUnavailable`, so the gateway has one thing to handle.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx
from sanic import Sanic

from backend.channels.types import BotMessage, Button

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/gateway/webhook"
HEALTH_PATH = "/webhooks/gateway/health"
HEALTH_TIMEOUT_SECONDS = 2.0
# HAProxy routes a turn by a consistent hash of this header (deploy/haproxy.cfg), so one conversation's
# turns go to one Rasa replica while it is up.
CONVERSATION_HEADER = "X-Conversation-Id"


class RasaUnavailable(Exception):
    """Rasa did not answer a turn usefully; the citizen should try again."""


async def start(app: Sanic) -> None:
    settings = app.ctx.settings
    app.ctx.rasa_http = httpx.AsyncClient(
        base_url=settings.rasa_url,
        timeout=httpx.Timeout(settings.rasa_timeout_seconds, connect=min(5.0, settings.rasa_timeout_seconds)),
        limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        headers={"Authorization": f"Bearer {settings.internal_secret.reveal()}"},
        transport=getattr(app.ctx, "rasa_transport", None),
    )


async def stop(app: Sanic) -> None:
    client = getattr(app.ctx, "rasa_http", None)
    if client is not None:
        await client.aclose()


def _client(app: Sanic) -> httpx.AsyncClient:
    client = getattr(app.ctx, "rasa_http", None)
    if client is None:
        raise RasaUnavailable("the Rasa client was not started (backend.channels.rasa_client in STARTUP?)")
    return client


async def send_message(
    app: Sanic,
    sender: str,
    text: str,
    *,
    channel: str,
    message_id: str | None = None,
    resent: bool = False,
) -> list[BotMessage]:
    """One citizen turn: post it to Rasa and return its messages (possibly none). Rasa records the
    `message_id`; a message `resent` with it is taken only if Rasa has not taken it before, else Rasa
    answers with what it answered the first time."""
    body: dict[str, Any] = {"sender": sender, "message": text, "metadata": {"channel": channel}}
    if message_id is not None:
        body["message_id"] = message_id
        if resent:
            body["resent"] = True
    try:
        response = await _client(app).post(WEBHOOK_PATH, json=body, headers={CONVERSATION_HEADER: sender})
    except httpx.HTTPError as error:
        logger.error("Rasa did not answer: %s", type(error).__name__)
        raise RasaUnavailable(type(error).__name__) from error
    if response.status_code == 401:
        logger.error("Rasa refused the internal secret: check INISSIAQ_INTERNAL_SECRET on both sides")
        raise RasaUnavailable("unauthorized")
    if response.status_code != 200:
        logger.error("Rasa answered %s", response.status_code)
        raise RasaUnavailable(f"status {response.status_code}")
    try:
        return parse_reply(response.json())
    except ValueError as error:
        logger.error("Rasa's reply is not its REST format: %s", error)
        raise RasaUnavailable("bad reply") from error


def parse_reply(reply: Any) -> list[BotMessage]:
    """Rasa's REST reply (a list of `{"recipient_id", "text", "buttons", ...}`) as bot messages.

    Messages without text or buttons (images, custom payloads) are left out: no channel shows them.
    """
    if not isinstance(reply, list):
        raise ValueError("expected a list")
    messages = []
    for item in reply:
        if not isinstance(item, dict):
            raise ValueError("expected a list of objects")
        text = item.get("text") if isinstance(item.get("text"), str) else ""
        buttons = [
            Button(str(b["title"]), str(b["payload"]))
            for b in item.get("buttons") or []
            if isinstance(b, dict) and b.get("title") and b.get("payload")
        ]
        if text.strip() or buttons:
            messages.append(BotMessage(text, buttons))
    return messages


async def is_healthy(app: Sanic) -> bool:
    """Rasa answers its gateway health check (which fails while its tracker store is down)."""
    try:
        response = await _client(app).get(HEALTH_PATH, timeout=HEALTH_TIMEOUT_SECONDS)
    except (httpx.HTTPError, RasaUnavailable):
        return False
    return response.status_code == 200
