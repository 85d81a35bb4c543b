"""Whether this backend instance (web or worker) can serve: what `/readyz` reports.

Ready means: the database answers, it is at the migration head of this code (`inissiaq db upgrade`
has run; a database behind or ahead of the code is not served, since queries would not match the
schema), and Rasa answers its gateway health check, which itself fails while Rasa's tracker store
or lock store is down (bot/channels/gateway.py). Each check has a short timeout; the result is kept
for a second so that frequent probes (several load balancers, or a flood of requests to the public
path) cost at most one check per second per instance.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from sanic import Sanic

from backend.channels import rasa_client
from backend.migrations.runner import current_revision, head_revision, is_known_revision

CHECK_TIMEOUT_SECONDS = 2.0
CACHE_SECONDS = 1.0


@dataclass(frozen=True)
class Readiness:
    database: str  # ok | down
    migrations: str  # current | behind (run `inissiaq db upgrade`) | ahead (this code is older) | unknown
    rasa: str  # ok | down

    @property
    def down(self) -> list[str]:
        return [
            name
            for name, state in (
                ("database", self.database),
                ("migrations", self.migrations),
                ("rasa", self.rasa),
            )
            if state not in ("ok", "current")
        ]

    @property
    def ready(self) -> bool:
        return not self.down

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ready else "unavailable",
            "database": self.database,
            "migrations": self.migrations,
            "rasa": self.rasa,
            "down": self.down,
        }


async def check(app: Sanic) -> Readiness:
    """The instance's readiness, at most `CACHE_SECONDS` old; concurrent callers share one check."""
    cached: tuple[float, asyncio.Task[Readiness]] | None = getattr(app.ctx, "readiness", None)
    if cached is None or time.monotonic() - cached[0] > CACHE_SECONDS:
        cached = (time.monotonic(), asyncio.create_task(_check(app)))
        app.ctx.readiness = cached
    return await asyncio.shield(cached[1])


async def _check(app: Sanic) -> Readiness:
    (database, migrations), rasa = await asyncio.gather(_database(app), _rasa(app))
    return Readiness(database=database, migrations=migrations, rasa=rasa)


async def _database(app: Sanic) -> tuple[str, str]:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            async with app.ctx.engine.connect() as connection:
                revision = await connection.run_sync(current_revision)
    except Exception:
        return "down", "unknown"
    return "ok", migration_state(revision)


def migration_state(revision: str | None) -> str:
    if revision == head_revision():
        return "current"
    return "behind" if revision is None or is_known_revision(revision) else "ahead"


async def _rasa(app: Sanic) -> str:
    return "ok" if await rasa_client.is_healthy(app) else "down"
