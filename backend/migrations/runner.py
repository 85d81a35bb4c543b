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
