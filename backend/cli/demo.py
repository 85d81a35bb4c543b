"""`inissiaq demo seed`: load (or refresh) the synthetic demo registers."""

from __future__ import annotations

import argparse

from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.cli.common import run_with_session
from backend.config import Settings
from backend.registers.seed import seed_demo_registers


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser("demo", help="synthetic demo data")
    actions = demo.add_subparsers(dest="demo_command", required=True, metavar="ACTION")
    actions.add_parser("seed", help="load the demo person and housing registers").set_defaults(handler=seed)


def seed(args: argparse.Namespace, settings: Settings) -> int:
    async def _seed(db: AsyncSession) -> int:
        count = await seed_demo_registers(db)
        await audit.record(db, actor="cli", action="demo_registers_seeded", details={"people": count})
        await db.commit()
        return count

    count = run_with_session(settings, _seed)
    print(f"demo registers loaded: {count} people")
    return 0
