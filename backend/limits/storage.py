"""Where the limits count: fixed-window counters shared by every instance.

In the database by default (`rate_limit_counters`, one `INSERT … ON CONFLICT DO UPDATE … RETURNING`
per hit, on SQLite and PostgreSQL alike), or in Redis when `REDIS_URL` is set (`INCR` and `EXPIRE`
at the window's end, in one transaction). Either way a hit is one round trip and atomic, so two
instances never both see the same count.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Protocol

from redis import asyncio as redis
from redis.exceptions import RedisError
from sanic import Sanic
from sqlalchemy import delete

from backend.db import upsert_insert
from backend.models.limits import RateLimitCounter

log = logging.getLogger("inissiaq.limits")

SWEEP_EVERY_SECONDS = 60.0  # how often one instance deletes the database's ended windows
SWEEP_AFTER_SECONDS = 60  # how long after its end a window goes (instances' clocks may differ a little)
REDIS_PREFIX = "inissiaq:limit:"


class Counters(Protocol):
    async def increment(self, key: str, window_start: int, window_seconds: int, now: float) -> int:
        """Count one hit of `key` in the window starting at `window_start`; the count so far. `now`
        is the limits' clock, which also decides when a window's counter may go."""
        ...

    async def close(self) -> None: ...


class DatabaseCounters:
    """Counters in `rate_limit_counters`, each hit in its own short transaction (never the request's:
    a refused request must still have counted). Ended windows are deleted on the fly, at most once a
    minute per instance."""

    def __init__(self, app: Sanic) -> None:
        self._app = app
        self._next_sweep = 0.0

    async def increment(self, key: str, window_start: int, window_seconds: int, now: float) -> int:
        async with self._app.ctx.sessions() as db:
            statement = (
                upsert_insert(db, RateLimitCounter)
                .values(key=key, window_start=window_start, count=1, expires_at=window_start + window_seconds)
                .on_conflict_do_update(
                    index_elements=[RateLimitCounter.key, RateLimitCounter.window_start],
                    set_={"count": RateLimitCounter.count + 1},
                )
                .returning(RateLimitCounter.count)
            )
            count = int((await db.execute(statement)).scalar_one())
            if time.monotonic() >= self._next_sweep:
                self._next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
                ended = int(now) - SWEEP_AFTER_SECONDS
                await db.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at <= ended))
            await db.commit()
        return count

    async def close(self) -> None:
        return None


class RedisCounters:
    """Counters in Redis; each key expires when its window ends, so nothing needs sweeping. When
    Redis cannot be reached the hit is allowed (logged): an outage of the counters must not stop the
    service it protects."""

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    async def increment(self, key: str, window_start: int, window_seconds: int, now: float) -> int:
        name = f"{REDIS_PREFIX}{key}:{window_start}"
        ttl = max(1, math.ceil(window_start + window_seconds - now)) + 1
        try:
            async with self._client.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, ttl)
                count, _ = await pipe.execute()
        except (RedisError, OSError) as error:
            log.warning("rate limit counters unavailable (%s): the hit is allowed", type(error).__name__)
            return 0
        return int(count)

    async def close(self) -> None:
        await self._client.aclose()


def counters_for(app: Sanic) -> Counters:
    """The app's counters, made on first use (Redis when `REDIS_URL` is set, else the database)."""
    store: Counters | None = getattr(app.ctx, "limit_counters", None)
    if store is None:
        url = app.ctx.settings.redis_url
        store = RedisCounters(url) if url else DatabaseCounters(app)
        app.ctx.limit_counters = store
    return store


async def close(app: Sanic) -> None:
    store: Counters | None = getattr(app.ctx, "limit_counters", None)
    if store is not None:
        app.ctx.limit_counters = None
        await store.close()
