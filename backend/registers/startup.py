"""Start-up hook: load the demo registers into empty register tables (first start)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from backend.registers.seed import seed_if_empty


async def start(app: Any) -> None:
    async with app.ctx.sessions() as db:
        try:
            if await seed_if_empty(db):
                await db.commit()
                app.ctx.logger.info("demo registers loaded")
        except IntegrityError:
            await db.rollback()  # another instance starting at the same time loaded them first
