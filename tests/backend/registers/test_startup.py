from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.registers import Person
from backend.registers.seed import load_demo_data
from tests.backend.applications.factories import seed_registers


async def test_the_demo_registers_load_when_the_backend_starts_on_empty_tables(app, db: AsyncSession) -> None:
    assert (await db.execute(select(func.count()).select_from(Person))).scalar_one() == 0
    await app.asgi_client.get("/healthz")
    people = (await db.execute(select(func.count()).select_from(Person))).scalar_one()
    assert people == sum(len(h["members"]) for h in load_demo_data())


async def test_a_start_on_filled_tables_leaves_them_alone(app, db: AsyncSession) -> None:
    await seed_registers(db)
    aviaja = await db.get(Person, "0708861234")
    assert aviaja is not None
    aviaja.name = "Aviaja Changed"
    await db.commit()
    await app.asgi_client.get("/healthz")
    await db.refresh(aviaja)
    assert aviaja.name == "Aviaja Changed"
