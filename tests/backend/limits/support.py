"""Two backend instances on the same storage, the way several web or worker processes run."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import pytest
from sanic import Sanic

from backend import limits
from backend.app import create_app
from backend.config import Settings
from backend.db import create_engine, create_session_factory

_names = itertools.count()

# The counters' two homes, both tested for real: the database, and the Redis server that runs beside
# PostgreSQL on every development and CI machine (TEST_REDIS_URL to use another one).
BACKENDS = ["database", "redis"]
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def settings_for(settings: Settings, backend: str, **overrides: object) -> Settings:
    values: dict[str, object] = {"redis_url": REDIS_URL if backend == "redis" else ""}
    return replace(settings, **{**values, **overrides})  # type: ignore[arg-type]


@asynccontextmanager
async def instances(settings: Settings, count: int = 2) -> AsyncIterator[list[Sanic]]:
    """`count` apps, each with its own engine (its own connection pool) on the same database."""
    apps, engines = [], []
    for _ in range(count):
        app = create_app(settings, name=f"inissiaq_test_limits_{next(_names)}")
        engine = create_engine(settings.async_database_url)
        app.ctx.sessions = create_session_factory(engine)
        apps.append(app)
        engines.append(engine)
    try:
        yield apps
    finally:
        for app, engine in zip(apps, engines, strict=True):
            await limits.stop(app)
            await engine.dispose()


def freeze_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """Fix the limits' clock one second into the current minute, so that every hit of a test falls
    in the same windows (a minute boundary mid-test would start a new one); Retry-After is then 59."""
    frozen = (time.time() // 60) * 60 + 1
    monkeypatch.setattr(limits, "clock", lambda: frozen)
    return frozen
