"""Drafts (kladder): the person's unsent drafts, found, listed and deleted. Never commits.

A draft is *open* while no application was submitted from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.applications import Application, Draft


def _open() -> ColumnElement[bool]:
    return ~select(Application.id).where(Application.draft_id == Draft.id).exists()


def _last_activity() -> ColumnElement[datetime]:
    return func.coalesce(Draft.last_step_at, Draft.created_at)


async def dao_get_draft_by_reference(db: AsyncSession, reference: str) -> Draft | None:
    result = await db.execute(select(Draft).where(Draft.reference == reference))
    return result.scalars().first()


async def dao_is_open_draft(db: AsyncSession, draft_id: str) -> bool:
    result = await db.execute(select(Draft.id).where(Draft.id == draft_id, _open()))
    return result.first() is not None


async def dao_get_latest_answered_draft(
    db: AsyncSession, person_cpr: str, period: str, *, answered_since: datetime
) -> Draft | None:
    """The open draft of the person and month with the most recent answer, if one came after
    `answered_since`."""
    result = await db.execute(
        select(Draft)
        .where(
            Draft.person_cpr == person_cpr,
            Draft.period == period,
            Draft.last_step.is_not(None),
            Draft.last_step_at >= answered_since,
            _open(),
        )
        .order_by(Draft.last_step_at.desc(), Draft.created_at.desc())
        .limit(1)
    )
    return result.scalars().first()


async def dao_get_open_drafts_of(db: AsyncSession, person_cpr: str, period: str) -> Sequence[Draft]:
    result = await db.execute(
        select(Draft).where(Draft.person_cpr == person_cpr, Draft.period == period, _open())
    )
    return result.scalars().all()


async def dao_get_open_drafts(db: AsyncSession) -> Sequence[Draft]:
    result = await db.execute(select(Draft).where(_open()).order_by(Draft.created_at, Draft.id))
    return result.scalars().all()


async def dao_delete_draft(db: AsyncSession, draft: Draft) -> None:
    await db.delete(draft)
    await db.flush()


async def dao_delete_open_drafts_idle_since(db: AsyncSession, cutoff: datetime) -> int:
    """Delete the open drafts whose last answer (or, without one, creation) is older than `cutoff`."""
    result = await db.execute(
        delete(Draft).where(_last_activity() < cutoff, _open()).execution_options(synchronize_session=False)
    )
    return result.rowcount
