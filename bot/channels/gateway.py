"""The only way into Rasa: the backend's gateway, with the shared secret.

`POST /webhooks/gateway/webhook` takes Rasa's REST channel format (`{"sender", "message",
"metadata", "message_id"?, "resent"?}`) and answers like it (a list of bot messages), but only with
`Authorization: Bearer $INISSIAQ_INTERNAL_SECRET` (401 otherwise, compared in constant time). A turn
that fails (the tracker store is down, the action server hangs) answers 503 so the backend can ask the
citizen to try again; so does a turn in which Rasa swallowed a failure of the action server or the
NLG endpoint (bot/failures.py). `GET /webhooks/gateway/health` answers 503 naming what is down while
the tracker store's database or the Redis lock store does not answer (bot/lock_store.py).

A message `resent` with its `message_id` (the backend instance that sent it died before it could store
the answer, and another sends it again) is taken once: when the conversation's tracker already holds a
user message with that id, the answer is the bot messages that followed it, read from the tracker
under the conversation's lock, and the message is not handled a second time. Only a resent message is
looked up, so a first turn costs no extra tracker read.

Importing this module installs the Rasa-side safety patches (bot/tracker_store.py, bot/timeouts.py,
bot/failures.py).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import failures, lock_store, timeouts, tracker_store

logger = logging.getLogger(__name__)

SECRET_ENV = "INISSIAQ_INTERNAL_SECRET"  # noqa: S105 - the name of the variable
MAX_MESSAGE_CHARS = 4000
MAX_MESSAGE_ID_CHARS = 64

tracker_store.install()
timeouts.install()
failures.install()


class GatewayInput(InputChannel):
    """Rasa's REST input behind a bearer secret."""

    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(secret=(credentials or {}).get("secret"))

    def __init__(self, secret: str | None = None) -> None:
        self.secret = (secret or os.environ.get(SECRET_ENV) or "").strip()
        if not self.secret:
            logger.error("%s is not set: the gateway channel refuses every message", SECRET_ENV)

    def authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if not self.secret or scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(token.strip().encode(), self.secret.encode())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        gateway = Blueprint("gateway_webhook", __name__)

        @gateway.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or agent.tracker_store is None:
                return response.json({"status": "starting"}, status=503)
            tracker_ok, lock_ok = await asyncio.gather(
                tracker_store.is_reachable(agent.tracker_store), lock_store.is_reachable(agent.lock_store)
            )
            checks = {
                "tracker_store": "ok" if tracker_ok else "down",
                "lock_store": "ok" if lock_ok else "down",
            }
            if not (tracker_ok and lock_ok):
                return response.json({"status": "unavailable", **checks}, status=503)
            return response.json({"status": "ok", **checks})

        @gateway.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.authorised(request):
                return response.json({"error": "unauthorized"}, status=401)
            body = request.json if isinstance(request.json, dict) else {}
            sender_id = body.get("sender")
            text = body.get("message")
            metadata = body.get("metadata")
            if not isinstance(sender_id, str) or not sender_id or not isinstance(text, str):
                return response.json({"error": "sender and message are required"}, status=400)
            if len(text) > MAX_MESSAGE_CHARS:
                return response.json({"error": "message too long"}, status=413)
            message_id = body.get("message_id")
            if message_id is not None and not (
                isinstance(message_id, str) and 0 < len(message_id) <= MAX_MESSAGE_ID_CHARS
            ):
                return response.json({"error": "message_id must be a short string"}, status=400)
            collector = CollectingOutputChannel()
            turn_failures = failures.start_turn()
            try:
                if message_id is not None and body.get("resent") is True:
                    answered = await answer_already_given(request.app.ctx.agent, sender_id, message_id)
                    if answered is not None:
                        return response.json(answered)
                await on_new_message(
                    UserMessage(
                        text,
                        collector,
                        sender_id,
                        input_channel=self.name(),
                        message_id=message_id,
                        metadata=metadata if isinstance(metadata, dict) else None,
                    )
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                logger.error("turn failed: %s", type(error).__name__, exc_info=error)
                return response.json({"error": "the assistant is unavailable"}, status=503)
            if turn_failures:
                logger.error("turn failed in: %s", ", ".join(sorted(set(turn_failures))))
                return response.json({"error": "the assistant is unavailable"}, status=503)
            return response.json(collector.messages)

        return gateway


async def answer_already_given(agent: Any, sender_id: str, message_id: str) -> list[dict[str, Any]] | None:
    """The bot messages that answered the user message `message_id`, or None when the tracker has no
    such message. Read under the conversation's lock, so a turn still running finishes first."""
    async with agent.lock_store.lock(sender_id):
        tracker = await agent.tracker_store.retrieve(sender_id)
    if tracker is None:
        return None
    answer: list[dict[str, Any]] | None = None
    for event in tracker.events:
        if isinstance(event, UserUttered):
            if answer is not None:
                break
            if event.message_id == message_id:
                answer = []
        elif answer is not None and isinstance(event, BotUttered):
            extras = {key: value for key, value in (event.data or {}).items() if value}
            answer.append({"recipient_id": sender_id, "text": event.text, **extras})
    return answer
