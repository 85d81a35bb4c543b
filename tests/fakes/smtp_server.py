"""A real SMTP server on loopback (aiosmtpd) that records what it receives and can refuse recipients."""

from __future__ import annotations

import threading
from email import message_from_bytes
from email.message import EmailMessage as Message
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.fakes.server import free_port


class SmtpRecorder:
    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[list[str], Message]] = []
        self.refused: set[str] = set()
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[Any]
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        with self._lock:
            self.received.append(
                (list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=default))
            )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [message for recipients, message in self.received if address in recipients]

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
