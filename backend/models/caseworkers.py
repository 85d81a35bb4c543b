"""Caseworkers, their sessions, login rate limits, routing rules and canned texts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class Caseworker(Base):
    __tablename__ = "caseworkers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    role: Mapped[str] = mapped_column(String(16), default="caseworker")  # caseworker | administrator
    totp_secret: Mapped[str] = mapped_column(String(64))  # base32
    # The time step of the last accepted TOTP code: a code is accepted once (RFC 6238, 5.2).
    totp_last_step: Mapped[int | None]
    phone_e164: Mapped[str | None] = mapped_column(String(20))  # for login codes by SMS
    email: Mapped[str | None] = mapped_column(String(200))  # for the digest
    designated_for_digest: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The language of the caseworker's pages and e-mails: da, kl or en (backend/inbox/i18n.py).
    language: Mapped[str] = mapped_column(String(2), default="da", server_default="da")

    @property
    def is_admin(self) -> bool:
        return self.role == "administrator"


class CaseworkerSession(Base):
    """A caseworker's login. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "caseworker_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class LoginCode(Base):
    """A one-time login code sent by SMS, the alternative second factor (seed 002). Stored hashed."""

    __tablename__ = "caseworker_login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginThrottle(Base):
    """Failed login attempts per key ("user:<name>" or "ip:<address>") within a window, in the database
    so that every backend instance counts the same attempts."""

    __tablename__ = "caseworker_login_throttle"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(default=utcnow)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class RoutingRule(Base):
    """New applications whose CPR birthday (day.month) lies in [from, to] go to the caseworker.
    A range may wrap over New Year (from 10.09 to 30.04)."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_day: Mapped[int]
    from_month: Mapped[int]
    to_day: Mapped[int]
    to_month: Mapped[int]
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CannedText(Base):
    """A ready-made message text that caseworkers may start from, per language."""

    __tablename__ = "canned_texts"

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(2), index=True)
    title: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
