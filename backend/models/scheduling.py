"""Runs of scheduled jobs. The unique (job, slot) row is the lock: of several backend instances that
reach the same slot, exactly one inserts it and does the work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class JobRun(Base):
    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot", name="uq_job_runs_job_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))  # digest | purge
    slot: Mapped[str] = mapped_column(String(40))  # e.g. "2026-06-22" (the local day)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    result: Mapped[dict | None] = mapped_column(JSON)
