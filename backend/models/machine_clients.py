"""Machine clients of the caseworker API (OAuth 2.0 client credentials), their access tokens, and the
application change feed that case systems poll or receive as webhooks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class MachineClient(Base):
    """A case system. Only the SHA-256 of its (high-entropy, random) secret is stored. The webhook
    secret is kept as it is, because every delivery is signed with it."""

    __tablename__ = "machine_clients"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the public client_id
    name: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, as in OAuth
    secret_hash: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rotated_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(100))


class MachineToken(Base):
    """An access token issued to a client. Only its SHA-256 is stored; revoking or rotating the client
    deletes its tokens."""

    __tablename__ = "machine_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("machine_clients.id", ondelete="CASCADE"), index=True)
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ApplicationChange(Base):
    """One new or changed application, in commit order: ids come from `application_feed_head`, whose
    row stays locked until the changing transaction ends, so an id is never visible before a smaller
    one (backend/applications/changes.py)."""

    __tablename__ = "application_changes"
    __table_args__ = (Index("ix_application_changes_application", "application_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    reference: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # backend.applications.changes.CHANGE_KINDS
    status: Mapped[str] = mapped_column(String(20))  # the application's status after the change
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApplicationFeedHead(Base):
    """The feed's last id: one row, updated (and so locked) by every change."""

    __tablename__ = "application_feed_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(BigInteger)
