"""A caseworker's own records: journal notes, follow-up tasks, and the letter templates administrators
maintain.

Notes and tasks name their application by reference and their person by CPR number (no foreign key):
they outlive nothing, the daily purge removes them with the application's history
(backend/retention.py)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow
from backend.models.states import TaskState


class JournalNote(Base):
    """A free-standing journal note on an application (`application_reference` set) or on a person."""

    __tablename__ = "journal_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_cpr: Mapped[str] = mapped_column(String(10), index=True)
    application_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CaseTask(Base):
    """A follow-up on an application for one caseworker, due on a day (Greenland time)."""

    __tablename__ = "case_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_reference: Mapped[str] = mapped_column(String(20), index=True)
    person_cpr: Mapped[str] = mapped_column(String(10), index=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id", ondelete="SET NULL"))
    due: Mapped[date] = mapped_column(Date, index=True)
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=TaskState.OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id", ondelete="SET NULL"))


class LetterTemplate(Base):
    """A letter to the citizen in one language (kl, da, sv); `key` groups the languages of one letter.
    The body holds merge fields as `{name}`, `{reference}`, `{period}`, `{date}`, `{text}`. Sending a
    letter whose `requests_documents` is set records a request for documents on the application."""

    __tablename__ = "letter_templates"
    __table_args__ = (UniqueConstraint("key", "language", name="uq_letter_templates_key_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    requests_documents: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
