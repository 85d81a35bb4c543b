from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cpr import birth_date, is_valid_cpr
from backend.models.registers import Person, Tenancy
from backend.phones import normalise_phone
from backend.registers.seed import load_demo_data, seed_demo_registers, seed_if_empty

TOWNS = ("Nuuk", "Sisimiut", "Ilulissat", "Qaqortoq", "Aasiaat", "Tasiilaq")


def _tenants() -> list[tuple[dict, dict]]:
    return [
        (household, next(m for m in household["members"] if m["relation"] == "self"))
        for household in load_demo_data()
    ]


def test_demo_data_has_the_five_people_of_the_issue_and_at_least_25_more_households() -> None:
    cprs = {tenant["cpr"] for _, tenant in _tenants()}
    assert {"0708861234", "1502921235", "3003901238", "2304781236", "0112651237"} <= cprs
    assert len(cprs) >= 30


def test_every_person_in_the_demo_data_has_a_unique_valid_cpr_matching_the_birth_year() -> None:
    members = [m for household in load_demo_data() for m in household["members"]]
    assert len({m["cpr"] for m in members}) == len(members)
    for member in members:
        assert is_valid_cpr(member["cpr"]), member["name"]
        assert birth_date(member["cpr"]).year == member["birth_year"], member["name"]


def test_demo_phone_numbers_are_stored_in_e164() -> None:
    for household in load_demo_data():
        for member in household["members"]:
            if "phone" in member:
                assert normalise_phone(member["phone"]) == member["phone"]


def test_demo_data_is_varied() -> None:
    tenants = _tenants()
    landlords = Counter((h["tenancy"] or {}).get("landlord", "none") for h, _ in tenants)
    assert set(landlords) == {"INI A/S", "Iserit A/S", "private", "none"}
    assert {h["language"] for h, _ in tenants} == {"kl", "da", "sv"}
    assert all(any(town in h["address"] for h, _ in tenants) for town in TOWNS)
    assert {birth_date(t["cpr"]).month for _, t in tenants} == set(range(1, 13))
    sizes = Counter(len(h["members"]) for h, _ in tenants)
    assert sizes[1] >= 5 and max(sizes) >= 5
    relations = {m["relation"] for h, _ in tenants for m in h["members"]}
    assert {"self", "spouse", "partner", "child", "other"} <= relations
    single_parents = [h for h, _ in tenants if {m["relation"] for m in h["members"]} == {"self", "child"}]
    assert single_parents
    rooms = [
        (h["tenancy"]["rooms"], len(h["members"])) for h, _ in tenants if (h["tenancy"] or {}).get("rooms")
    ]
    assert any(r >= 5 and n == 1 for r, n in rooms)  # a large dwelling for one person
    assert any(r <= 2 and n >= 3 for r, n in rooms)  # a small dwelling for a family


async def test_seeding_loads_people_and_tenancies_at_the_dwelling_address(db: AsyncSession) -> None:
    count = await seed_demo_registers(db)
    await db.commit()
    people = (await db.execute(select(func.count()).select_from(Person))).scalar_one()
    assert people == count == sum(len(h["members"]) for h in load_demo_data())
    aviaja = await db.get(Person, "0708861234")
    tenancy = (await db.execute(select(Tenancy).where(Tenancy.tenant_cpr == "0708861234"))).scalar_one()
    assert tenancy.address == aviaja.address == "Aqqusinersuaq 12, 2. th., 3900 Nuuk"


async def test_seeding_twice_refreshes_instead_of_duplicating(db: AsyncSession) -> None:
    await seed_demo_registers(db)
    await db.commit()
    await seed_demo_registers(db)
    await db.commit()
    tenancies = (await db.execute(select(func.count()).select_from(Tenancy))).scalar_one()
    assert tenancies == sum(1 for h in load_demo_data() if h["tenancy"] is not None)


async def test_seed_if_empty_loads_only_into_an_empty_register(db: AsyncSession) -> None:
    assert await seed_if_empty(db) is True
    await db.commit()
    assert await seed_if_empty(db) is False
