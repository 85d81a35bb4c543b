"""Route new applications to caseworkers by the day and month of the applicant's CPR birth date
(seed 003: "all citizens with birthdays between 01.05 and 09.09"). Unmatched → the shared queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.cpr import birthday
from backend.models.applications import Application
from backend.models.caseworkers import Caseworker, RoutingRule


def in_range(day_month: tuple[int, int], rule: RoutingRule) -> bool:
    """Inclusive; a range whose end lies before its start wraps over New Year."""
    day, month = day_month
    point, start, end = (month, day), (rule.from_month, rule.from_day), (rule.to_month, rule.to_day)
    if start <= end:
        return start <= point <= end
    return point >= start or point <= end


async def caseworker_for(db: AsyncSession, cpr: str) -> Caseworker | None:
    """The active caseworker of the first matching rule (oldest rule first), if any."""
    try:
        day_month = birthday(cpr)
    except ValueError:
        return None
    rows = await db.execute(
        select(RoutingRule, Caseworker)
        .join(Caseworker, Caseworker.id == RoutingRule.caseworker_id)
        .where(Caseworker.active.is_(True))
        .order_by(RoutingRule.id)
    )
    for rule, caseworker in rows.all():
        if in_range(day_month, rule):
            return caseworker
    return None


async def route_application(db: AsyncSession, application: Application) -> int | None:
    """Assign a new, unassigned application by routing rule and audit it. Commits. Returns the id."""
    if application.assigned_caseworker_id is not None:
        return application.assigned_caseworker_id
    caseworker = await caseworker_for(db, application.person_cpr)
    if caseworker is None:
        return None
    application.assigned_caseworker_id = caseworker.id
    await audit.record(
        db,
        actor="system",
        action="application_routed",
        person_cpr=application.person_cpr,
        application_reference=application.reference,
        details={"caseworker_id": caseworker.id},
    )
    await db.commit()
    return caseworker.id
