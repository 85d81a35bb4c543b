"""Drafts and applications. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.applications import Application, Draft


async def dao_create_draft(db: AsyncSession, draft: Draft) -> Draft:
    db.add(draft)
    await db.flush()
    return draft


async def dao_get_draft(db: AsyncSession, draft_id: str) -> Draft | None:
    return await db.get(Draft, draft_id)


async def dao_create_application(db: AsyncSession, application: Application) -> Application:
    db.add(application)
    await db.flush()
    return application


async def dao_get_application_by_draft(db: AsyncSession, draft_id: str) -> Application | None:
    result = await db.execute(select(Application).where(Application.draft_id == draft_id))
    return result.scalars().first()


async def dao_get_application_by_reference(db: AsyncSession, reference: str) -> Application | None:
    result = await db.execute(select(Application).where(Application.reference == reference))
    return result.scalars().first()


async def dao_get_application_for_period(
    db: AsyncSession, person_cpr: str, period: str
) -> Application | None:
    result = await db.execute(
        select(Application).where(Application.person_cpr == person_cpr, Application.period == period)
    )
    return result.scalars().first()


async def dao_get_latest_application(db: AsyncSession, person_cpr: str) -> Application | None:
    result = await db.execute(
        select(Application)
        .where(Application.person_cpr == person_cpr)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(1)
    )
    return result.scalars().first()


async def dao_get_applications(db: AsyncSession) -> Sequence[Application]:
    result = await db.execute(select(Application).order_by(Application.submitted_at, Application.id))
    return result.scalars().all()
