"""Shared plumbing for CLI commands: a database session for one command run."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.db import create_engine, create_session_factory

T = TypeVar("T")


def run_with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work(db)` in a fresh event loop with its own engine, disposed afterwards."""

    async def _run() -> T:
        engine = create_engine(settings.async_database_url)
        try:
            async with create_session_factory(engine)() as db:
                return await work(db)
        finally:
            await engine.dispose()

    return asyncio.run(_run())
