"""Counters of the abuse limits (backend/limits), when no Redis holds them."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base


class RateLimitCounter(Base):
    """Hits of one key (a limit's name and a keyed hash of its subject) in one fixed window. Every
    instance counts in the same row with one atomic upsert; rows whose window ended are deleted."""

    __tablename__ = "rate_limit_counters"
    __table_args__ = (Index("ix_rate_limit_counters_expires_at", "expires_at"),)

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)  # seconds since the epoch
    count: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[int] = mapped_column(BigInteger)  # the window's end, seconds since the epoch
