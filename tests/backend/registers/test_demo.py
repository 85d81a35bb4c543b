import time
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from backend.registers.demo import demo_registers
from backend.registers.seed import seed_demo_registers


async def _registers(db: AsyncSession, delay_ms: int = 0):  # type: ignore[no-untyped-def]
    await seed_demo_registers(db)
    await db.commit()
    return demo_registers(db, delay_ms=delay_ms)


async def test_aviaja_is_in_the_person_register_with_her_phone(db: AsyncSession) -> None:
    registers = await _registers(db)
    person = await registers.persons.person("0708861234")
    assert person is not None
    assert (person.name, person.language, person.phone_e164) == ("Aviaja Lyberth", "kl", "+299551234")
    assert person.address == "Aqqusinersuaq 12, 2. th., 3900 Nuuk"


async def test_household_lists_the_person_first_then_spouse_then_children(db: AsyncSession) -> None:
    registers = await _registers(db)
    household = await registers.persons.household("0708861234")
    assert [(m.name, m.relation) for m in household] == [
        ("Aviaja Lyberth", "self"),
        ("Hans Lyberth", "spouse"),
        ("Ivalo Lyberth", "child"),
    ]
    assert household[2].birth_year == 2018


async def test_karins_children_are_ordered_by_birth_year(db: AsyncSession) -> None:
    registers = await _registers(db)
    household = await registers.persons.household("3003901238")
    assert [(m.name, m.relation, m.birth_year) for m in household] == [
        ("Karin Andersson", "self", 1990),
        ("Elsa Andersson", "child", 2015),
        ("Nils Andersson", "child", 2017),
    ]


async def test_the_housing_register_holds_the_tenancies_of_the_issue(db: AsyncSession) -> None:
    registers = await _registers(db)
    aviaja = await registers.housing.tenancy("0708861234")
    malik = await registers.housing.tenancy("1502921235")
    karin = await registers.housing.tenancy("3003901238")
    nivi = await registers.housing.tenancy("2304781236")
    assert aviaja is not None and malik is not None and karin is not None and nivi is not None
    assert (aviaja.landlord, aviaja.rooms, aviaja.rent_monthly, aviaja.move_in, aviaja.tenant_number) == (
        "INI A/S",
        3,
        Decimal("6450.00"),
        date(2019, 3, 1),
        "INI-104233",
    )
    assert (malik.landlord, malik.address, malik.rooms, malik.rent_monthly, malik.move_in) == (
        "Iserit A/S",
        "Tuujuk 7, 3900 Nuuk",
        2,
        Decimal("4980.00"),
        date(2021, 9, 1),
    )
    assert malik.tenant_number == "ISE-55821"
    assert (karin.address, karin.rooms, karin.rent_monthly, karin.move_in, karin.tenant_number) == (
        "Issortarfimmut 3, 1. tv., 3900 Nuuk",
        4,
        Decimal("7120.00"),
        date(2020, 6, 15),
        "INI-220871",
    )
    assert nivi.landlord == "private" and not nivi.prefilled
    assert aviaja.prefilled and malik.prefilled
    assert await registers.housing.tenancy("0112651237") is None


async def test_malik_and_peter_have_no_phone_and_live_alone(db: AsyncSession) -> None:
    registers = await _registers(db)
    for cpr, name in (("1502921235", "Malik Petersen"), ("0112651237", "Peter Jensen")):
        person = await registers.persons.person(cpr)
        assert person is not None and person.phone_e164 is None
        assert [m.name for m in await registers.persons.household(cpr)] == [name]


async def test_an_unknown_person_is_not_found(db: AsyncSession) -> None:
    registers = await _registers(db)
    assert await registers.persons.person("0101011234") is None
    assert await registers.persons.household("0101011234") == []
    assert await registers.housing.tenancy("0101011234") is None


async def test_the_artificial_delay_slows_every_lookup(db: AsyncSession) -> None:
    registers = await _registers(db, delay_ms=150)
    started = time.monotonic()
    await registers.persons.person("0708861234")
    await registers.housing.tenancy("0708861234")
    assert time.monotonic() - started >= 0.3
