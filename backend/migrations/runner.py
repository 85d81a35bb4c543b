"""Run Alembic migrations programmatically (used by `inissiaq db upgrade`, start-up and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade_to_head(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


async def upgrade_to_head_async(database_url: str) -> None:
    """For callers inside an event loop: Alembic's env runs its own loop, so use a thread."""
    import asyncio

    await asyncio.to_thread(upgrade_to_head, database_url)


async def wait_for_head(database_url: str, timeout: float = 120.0) -> None:
    """Wait until another process (the web instance that migrates at start) has brought the
    database to head. A worker process never migrates itself, so two processes never race."""
    import asyncio
    import time

    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from backend.config import async_database_url
    from backend.db import create_engine

    head = ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    engine = create_engine(async_database_url(database_url))
    deadline = time.monotonic() + timeout
    try:
        while True:
            current = None
            try:
                async with engine.connect() as connection:
                    current = await connection.run_sync(
                        lambda sync: MigrationContext.configure(sync).get_current_revision()
                    )
            except Exception:  # the database may not exist or answer yet
                current = None
            if current == head:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"database not at migration {head} after {timeout:.0f} s (at {current})")
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
