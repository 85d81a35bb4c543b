"""The development sink: accepts every message and sends nothing. What it "sent" stays in the outbox
table, which `GET /dev/outbox` lists."""

from __future__ import annotations

import logging
from uuid import uuid4

from backend.clients.base import Outgoing

log = logging.getLogger("inissiaq.clients.dev_sink")


class DevSinkClient:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send(self, message: Outgoing) -> str:
        log.debug("development sink: %s message %s not sent", self.channel, message.reference)
        return f"dev-{uuid4().hex[:16]}"

    async def close(self) -> None:
        return None
