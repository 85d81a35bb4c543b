"""Audit log: every caseworker access to personal data and every binding of a channel to a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))  # "caseworker:3", "citizen", "cli", "system"
    action: Mapped[str] = mapped_column(String(60))
    person_cpr: Mapped[str | None] = mapped_column(String(10), index=True)
    application_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    details: Mapped[dict | None] = mapped_column(JSON)
