"""Secure messages between the municipality and one citizen, their neutral notifications, and the
citizen's contact preferences."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow
from backend.models.states import NotificationStatus


class Thread(Base):
    __tablename__ = "message_threads"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_cpr: Mapped[str] = mapped_column(String(10), index=True)
    application_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    """One neutral notice on one channel. Several messages in a short window share one notification;
    a permanently failed one is followed by one on the citizen's next channel (`fallback_of`)."""

    __tablename__ = "message_notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_cpr: Mapped[str] = mapped_column(String(10), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # sms | email | telegram
    language: Mapped[str] = mapped_column(String(2))
    outbox_message_id: Mapped[int | None] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default=NotificationStatus.QUEUED)
    fallback_of: Mapped[int | None] = mapped_column(ForeignKey("message_notifications.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SecureMessage(Base):
    __tablename__ = "secure_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id", ondelete="CASCADE"), index=True)
    sender: Mapped[str] = mapped_column(String(16))  # citizen | caseworker
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)  # plain text, escaped on output
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]  # when the recipient read it
    journaled: Mapped[bool] = mapped_column(default=False)
    journaled_at: Mapped[datetime | None]
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("message_notifications.id"))


class ContactPreference(Base):
    """How a citizen wants to be told that news is waiting: channels in order of preference."""

    __tablename__ = "contact_preferences"

    person_cpr: Mapped[str] = mapped_column(String(10), primary_key=True)
    channels: Mapped[list] = mapped_column(JSON, default=list)  # ["sms", "email", "telegram"]
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(2))
    changed_by: Mapped[str] = mapped_column(String(16), default="citizen")  # citizen | caseworker
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
