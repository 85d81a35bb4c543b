"""Conversations across channels, web sessions and the transcript."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow
from backend.models.states import ConversationOwner


class Conversation(Base):
    """One conversation with the assistant; its id is the sender id Rasa sees."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # web | sms | telegram
    channel_address: Mapped[str | None] = mapped_column(String(64), index=True)  # E.164 or telegram chat id
    person_cpr: Mapped[str | None] = mapped_column(String(10), index=True)  # set once eID-verified
    bound_until: Mapped[datetime | None]
    language: Mapped[str | None] = mapped_column(String(2))
    language_source: Mapped[str | None] = mapped_column(String(16))  # explicit|widget|register|detected
    pending_intent: Mapped[str | None] = mapped_column(String(40))  # resumed after login
    owner: Mapped[str] = mapped_column(String(16), default=ConversationOwner.BOT)
    owner_caseworker_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class WebSession(Base):
    """A browser session. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"))
    person_cpr: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    authenticated_at: Mapped[datetime | None]
    # The one-time link (SMS/Telegram) this browser came with; the login binds that channel.
    pending_link: Mapped[str | None] = mapped_column(String(64))
    # The person logged in with the eID provider: logging out also ends the provider's session. The ID
    # token itself is not kept (it carries the CPR number, and would end up in the logout address).
    eid_login: Mapped[bool] = mapped_column(default=False, server_default=false())


class ChatMessage(Base):
    """The transcript: every citizen and bot message, stored as plain text (escaped on output)."""

    __tablename__ = "chat_messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "client_message_id", name="uq_chat_messages_client_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    sender: Mapped[str] = mapped_column(String(16))  # citizen | bot | caseworker
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list | None] = mapped_column(JSON)
    application_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    # The widget's id of a citizen message: a turn sent again (the widget's retry, or HAProxy's after an
    # instance died) is recognised and answered once (backend/channels/gateway.py).
    client_message_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
