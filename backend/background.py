"""Background loops inside a backend process (the outbox worker, the inbound queue). Every instance
runs them; the database decides who handles what, so nothing here is state."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from sanic import Sanic


def start_loop(app: Sanic, loop: Callable[[Sanic], Awaitable[None]], name: str) -> asyncio.Task[None] | None:
    """Start `loop(app)` as a task unless BACKGROUND_WORKERS=0 (then an operator runs it elsewhere)."""
    if not app.ctx.settings.background_workers:
        return None
    return asyncio.get_running_loop().create_task(loop(app), name=name)  # type: ignore[arg-type]


async def stop_loop(task: asyncio.Task[None] | None) -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
