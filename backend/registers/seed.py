"""Load the synthetic demo registers from `demo_data.json` (on first start and by `inissiaq demo seed`)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.dao.registers import dao_count_persons, dao_replace_tenancies, dao_save_person
from backend.models.registers import Person, Tenancy

DEMO_DATA = Path(__file__).with_name("demo_data.json")


def load_demo_data(path: Path = DEMO_DATA) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["households"]


async def seed_demo_registers(db: AsyncSession, path: Path = DEMO_DATA) -> int:
    """Insert or refresh every demo person and tenancy; returns the number of people. Does not commit."""
    count = 0
    for household in load_demo_data(path):
        members = household["members"]
        tenant = next(m for m in members if m["relation"] == "self")
        household_id = f"HH-{tenant['cpr']}"
        for member in members:
            await dao_save_person(
                db,
                Person(
                    cpr=member["cpr"],
                    name=member["name"],
                    language=member.get("language", household["language"]),
                    address=household["address"],
                    phone_e164=member.get("phone"),
                    email=member.get("email"),
                    household_id=household_id,
                    relation=member["relation"],
                    birth_year=member.get("birth_year"),
                ),
            )
            count += 1
        await db.flush()
        tenancy = household.get("tenancy")
        rows = [] if tenancy is None else [_tenancy(tenant["cpr"], household["address"], tenancy)]
        await dao_replace_tenancies(db, tenant["cpr"], rows)
    await db.flush()
    return count


async def seed_if_empty(db: AsyncSession) -> bool:
    """Seed only when the person register is empty; True when it did."""
    if await dao_count_persons(db) > 0:
        return False
    await seed_demo_registers(db)
    return True


def _tenancy(tenant_cpr: str, address: str, data: dict[str, Any]) -> Tenancy:
    return Tenancy(
        tenant_cpr=tenant_cpr,
        landlord=data["landlord"],
        address=address,  # the tenant lives in the dwelling
        rooms=data.get("rooms"),
        rent_monthly=Decimal(data["rent_monthly"]) if data.get("rent_monthly") else None,
        move_in=date.fromisoformat(data["move_in"]) if data.get("move_in") else None,
        tenant_number=data.get("tenant_number"),
    )
