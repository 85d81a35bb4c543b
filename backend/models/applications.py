"""Drafts shown to the citizen and the applications submitted from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow
from backend.models.states import ApplicationStatus


class Draft(Base):
    """The prefilled draft exactly as shown to the citizen, and the answers given so far (seed 001:
    drafts, "kladde").

    An unsent draft belongs to the person, not to the conversation that prepared it: any of their
    conversations may continue it until it is submitted, discarded (the citizen starts again) or
    expires (DRAFT_RETENTION_DAYS after its last answer; backend/applications/drafts.py).
    """

    __tablename__ = "drafts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)  # KL-7K3M9Q, for operators
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)  # prepared in
    person_cpr: Mapped[str] = mapped_column(String(10), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    snapshot: Mapped[dict] = mapped_column(JSON)  # tenant, dwelling, household (names only), register phone
    # The steps answered so far, by slot name (backend.applications.drafts.STEPS); {} before the first.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    last_step: Mapped[str | None] = mapped_column(String(40))  # the latest step answered, in form order
    last_step_at: Mapped[datetime | None]  # when the answers last changed
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("person_cpr", "period", name="uq_applications_person_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    person_cpr: Mapped[str] = mapped_column(String(10), index=True)
    period: Mapped[str] = mapped_column(String(7))
    # backend.models.states.ApplicationStatus; changed only by backend/applications/status.py
    status: Mapped[str] = mapped_column(String(20), default=ApplicationStatus.SUBMITTED)
    decision: Mapped[str | None] = mapped_column(String(10))  # backend.models.states.Decision
    decided_on: Mapped[date | None] = mapped_column(Date)
    case_reference: Mapped[str | None] = mapped_column(String(64))  # the case system's, with the decision
    language: Mapped[str] = mapped_column(String(2))
    channel: Mapped[str] = mapped_column(String(16))
    phone_e164: Mapped[str] = mapped_column(String(20))
    snapshot: Mapped[dict] = mapped_column(JSON)
    dwelling_confirmed: Mapped[bool]
    household_confirmed: Mapped[bool]
    corrections: Mapped[list] = mapped_column(JSON, default=list)  # [{"section": ..., "text": ...}]
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_caseworker_id: Mapped[int | None] = mapped_column(index=True)
    opened_at: Mapped[datetime | None]
    taken_over_at: Mapped[datetime | None]
    taken_over_by: Mapped[int | None]
