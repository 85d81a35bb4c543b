"""The durable outbox (every SMS, Telegram message and e-mail leaves through it), opt-outs, and the
inbound queue of SMS and Telegram updates (deduplicated on the provider's id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow
from backend.models.states import InboundState, OutboxState


class OutboxMessage(Base):
    """One message to one recipient. States: created → sending → sent → delivered | undelivered, or
    failed; `created` again after a temporary failure. Only a `created` row is ever handed to a
    provider, and it leaves `created` (committed) before the provider is called."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_queue", "status", "next_attempt_at"),
        Index("ix_outbox_recipient_order", "channel", "recipient", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms | telegram | email
    recipient: Mapped[str] = mapped_column(String(254))  # E.164, chat id or e-mail address
    text: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(200))
    html: Mapped[str | None] = mapped_column(Text)
    buttons: Mapped[list | None] = mapped_column(JSON)
    kind: Mapped[str] = mapped_column(String(32))  # bot_reply | message_notification | digest | ...
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    person_cpr: Mapped[str | None] = mapped_column(String(10), index=True)
    status: Mapped[str] = mapped_column(String(16), default=OutboxState.CREATED)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    provider_id: Mapped[str | None] = mapped_column(String(128), index=True)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    final_at: Mapped[datetime | None]


class OutboxAttempt(Base):
    """Each hand-over to a provider and how it went (operators read these)."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_messages.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(16), default="started")  # accepted | temporary | permanent
    provider_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(String(500))


class RecipientHold(Base):
    """A recipient's queue waits until `until` (Telegram's 1 message/s per chat, a 429's retry_after,
    Twilio's rate limits). Only that recipient waits; others go on."""

    __tablename__ = "outbox_recipient_holds"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), primary_key=True)
    until: Mapped[datetime]


class ProviderRateSlot(Base):
    """The next free sending slot of a channel (Telegram's ~30 messages/s overall), shared by every
    worker instance: each send reserves the slot after this one in one atomic statement."""

    __tablename__ = "outbox_rate_slots"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    next_at: Mapped[float]  # seconds since the epoch


class OptOut(Base):
    """STOP: nothing but the opt-out confirmation goes to this address until START."""

    __tablename__ = "opt_outs"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    address: Mapped[str] = mapped_column(String(254), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundMessage(Base):
    """A webhook's message, stored before the webhook answers and processed by a worker in order per
    conversation. (provider, external_id) is unique: a provider's retry is recognised and dropped."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("provider", "external_id", name="uq_inbound_messages_provider_external_id"),
        Index("ix_inbound_queue", "status", "id"),
        Index("ix_inbound_sender", "channel", "sender", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(16))  # twilio | telegram
    external_id: Mapped[str] = mapped_column(String(64))  # MessageSid or update_id
    channel: Mapped[str] = mapped_column(String(16))  # sms | telegram
    sender: Mapped[str] = mapped_column(String(64))  # E.164 or chat id
    # Telegram only: first name and last initial ("Aviaja L."), shown on the one-time link's page.
    sender_name: Mapped[str | None] = mapped_column(String(64))
    # Empty until the worker finds or opens the address's conversation (webhooks only insert).
    conversation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16), default="message")  # message | resume (after a login)
    status: Mapped[str] = mapped_column(String(16), default=InboundState.QUEUED)  # backend.models.states
    attempts: Mapped[int] = mapped_column(default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))


class LinkToken(Base):
    """A one-time login link sent to an SMS number or Telegram chat. Only the SHA-256 is stored."""

    __tablename__ = "link_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
