"""Queries on the demo register tables (register_persons, register_tenancies). Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.registers import Person, Tenancy


async def dao_get_person(db: AsyncSession, cpr: str) -> Person | None:
    return await db.get(Person, cpr)


async def dao_get_household_members(db: AsyncSession, household_id: str) -> Sequence[Person]:
    result = await db.execute(select(Person).where(Person.household_id == household_id))
    return result.scalars().all()


async def dao_get_current_tenancy(db: AsyncSession, tenant_cpr: str) -> Tenancy | None:
    """The tenant's most recent tenancy (latest move-in; a tenancy without a date counts as oldest)."""
    result = await db.execute(
        select(Tenancy)
        .where(Tenancy.tenant_cpr == tenant_cpr)
        .order_by(Tenancy.move_in.desc().nulls_last(), Tenancy.id.desc())
        .limit(1)
    )
    return result.scalars().first()


async def dao_count_persons(db: AsyncSession) -> int:
    return (await db.execute(select(func.count()).select_from(Person))).scalar_one()


async def dao_list_tenants(db: AsyncSession) -> Sequence[Person]:
    """Every person who heads a household, ordered by name (for the development login page)."""
    result = await db.execute(select(Person).where(Person.relation == "self").order_by(Person.name))
    return result.scalars().all()


async def dao_save_person(db: AsyncSession, person: Person) -> Person:
    """Insert or replace a person by CPR number."""
    return await db.merge(person)


async def dao_replace_tenancies(db: AsyncSession, tenant_cpr: str, tenancies: Sequence[Tenancy]) -> None:
    await db.execute(delete(Tenancy).where(Tenancy.tenant_cpr == tenant_cpr))
    db.add_all(tenancies)
