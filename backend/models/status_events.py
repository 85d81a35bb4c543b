"""The timeline of an application: one row per status change, with when and who."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class StatusEvent(Base):
    """The application moved to `status` at `at`, by `actor` (`caseworker:<id>`, `client:<name>`,
    `citizen` or `system`). A decision carries its decision, date and the case system's reference,
    and the neutral notification sent for it (`notification_id`)."""

    __tablename__ = "application_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(24))  # backend.models.states.ApplicationStatus
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(10))  # backend.models.states.Decision
    decided_on: Mapped[date | None] = mapped_column(Date)
    case_reference: Mapped[str | None] = mapped_column(String(64))
    notification_id: Mapped[int | None]
