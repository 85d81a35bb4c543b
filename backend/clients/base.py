"""The interface every provider client implements, and the two ways a send can fail.

The outbox worker decides what to do from the exception class alone: `TemporaryFailure` is retried
with backoff (or after `retry_after` seconds when the provider said so), `PermanentFailure` is not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutgoingButton:
    title: str
    payload: str


@dataclass(frozen=True)
class Outgoing:
    """One message as the outbox hands it to a client. `to` is E.164 (sms), a chat id (telegram) or an
    e-mail address (email)."""

    channel: str
    to: str
    text: str
    subject: str | None = None
    html: str | None = None
    buttons: list[OutgoingButton] = field(default_factory=list)
    reference: str = ""  # the outbox message id, for the provider's logs and idempotency


class TemporaryFailure(Exception):
    """The provider did not take the message (5xx, network, rate limit): try again later."""

    def __init__(self, reason: str, *, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class PermanentFailure(Exception):
    """The provider refused the message for good (invalid number, blocked bot, bad address)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderClient(Protocol):
    channel: str

    async def send(self, message: Outgoing) -> str:
        """Hand the message to the provider; return the provider's id for it (Twilio's SID, Telegram's
        message id, the SMTP Message-ID). Raise TemporaryFailure or PermanentFailure otherwise."""
        ...

    async def close(self) -> None: ...
