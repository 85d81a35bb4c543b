"""Background loops inside a backend process (the outbox worker, the inbound queue). Every instance
runs them; the database decides who handles what, so nothing here is state."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger("inissiaq.background")


async def repeat(
    name: str,
    round_: Callable[[], Awaitable[int]],
    *,
    sweep: Callable[[], Awaitable[object]],
    sweep_every: float,
    idle: float,
) -> None:
    """Run `round_()` forever, sleeping `idle` seconds after a round that handled nothing, and
    `sweep()` (recovery of rows left by a crashed instance) every `sweep_every` seconds. A failing
    round is logged and tried again; cancellation stops the loop."""
    last_sweep: float | None = None  # not 0.0: monotonic time may start near zero after a boot
    while True:
        try:
            handled = await round_()
            if last_sweep is None or time.monotonic() - last_sweep > sweep_every:
                await sweep()
                last_sweep = time.monotonic()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s: round failed; trying again", name)
            handled = 0
        if not handled:
            await asyncio.sleep(idle)


def start_loop(app: Any, loop: Callable[[Any], Awaitable[None]], name: str) -> asyncio.Task[None] | None:
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
