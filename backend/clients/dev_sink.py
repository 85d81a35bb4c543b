"""The development sink: accepts every message and sends nothing. What it "sent" stays in the outbox
table, which `GET /dev/outbox` lists."""

from __future__ import annotations

import logging
from uuid import uuid4

from backend.clients.base import Outgoing

log = logging.getLogger("inissiaq.clients.dev_sink")


class DevSinkClient:
    """Accepts every message of `channel` and returns a made-up id (`dev-` and 16 hex digits)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send(self, message: Outgoing) -> str:
        provider_id = f"dev-{uuid4().hex[:16]}"
        # Only the channel and the outbox reference: never the text or the recipient.
        log.debug("development sink: %s message %s kept as %s", self.channel, message.reference, provider_id)
        return provider_id

    async def close(self) -> None:
        return None
