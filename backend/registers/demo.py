"""The demo adapter: both registers read from the synthetic `register_*` tables.

`delay_ms` adds artificial latency to every lookup, so slow turns can be tested end to end.
"""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from backend.dao.registers import dao_get_current_tenancy, dao_get_household_members, dao_get_person
from backend.registers.base import HouseholdMember, PersonRecord, Registers, TenancyRecord

_RELATION_ORDER = {"self": 0, "spouse": 1, "partner": 1, "child": 2, "other": 3}


class _Slow:
    def __init__(self, db: AsyncSession, delay_ms: int = 0) -> None:
        self._db = db
        self._delay = max(delay_ms, 0) / 1000

    async def _wait(self) -> None:
        if self._delay:
            await asyncio.sleep(self._delay)


class DemoPersonRegister(_Slow):
    async def person(self, cpr: str) -> PersonRecord | None:
        await self._wait()
        row = await dao_get_person(self._db, cpr)
        if row is None:
            return None
        return PersonRecord(
            cpr=row.cpr, name=row.name, language=row.language, address=row.address, phone_e164=row.phone_e164
        )

    async def household(self, cpr: str) -> list[HouseholdMember]:
        await self._wait()
        person = await dao_get_person(self._db, cpr)
        if person is None:
            return []
        rows = await dao_get_household_members(self._db, person.household_id)
        members = [
            HouseholdMember(
                cpr=row.cpr,
                name=row.name,
                relation="self" if row.cpr == cpr else row.relation,
                birth_year=row.birth_year,
            )
            for row in rows
        ]
        return sorted(
            members,
            key=lambda m: (m.cpr != cpr, _RELATION_ORDER.get(m.relation, 3), m.birth_year or 0, m.name),
        )


class DemoHousingRegister(_Slow):
    async def tenancy(self, cpr: str) -> TenancyRecord | None:
        await self._wait()
        row = await dao_get_current_tenancy(self._db, cpr)
        if row is None:
            return None
        return TenancyRecord(
            tenant_cpr=row.tenant_cpr,
            landlord=row.landlord,
            address=row.address,
            rooms=row.rooms,
            rent_monthly=row.rent_monthly,
            move_in=row.move_in,
            tenant_number=row.tenant_number,
        )


def demo_registers(db: AsyncSession, *, delay_ms: int = 0) -> Registers:
    return Registers(persons=DemoPersonRegister(db, delay_ms), housing=DemoHousingRegister(db, delay_ms))
