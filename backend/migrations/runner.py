"""Run Alembic migrations programmatically (used by `inissiaq db upgrade`, the tests and readiness).

Migrating is a deployment step of its own (`inissiaq db upgrade`), never part of a web instance's
start. The upgrade holds a database-wide lock while it reads the current revision and migrates, so
that two instances of the step started together migrate once: the second waits, then finds the
database at head and does nothing. PostgreSQL: a transaction-level advisory lock on the migration's
own connection (released when it commits or the connection drops). SQLite: an exclusive `flock` on a
file beside the database (SQLite is one machine's file, so a file lock covers every process).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

HERE = Path(__file__).resolve().parent

# The key of PostgreSQL's advisory lock that serialises migrations (any constant bigint of our own).
MIGRATION_LOCK_KEY = 7_301_022_515


@dataclass(frozen=True)
class Upgrade:
    """What one upgrade did: the revision before and after (None: an empty database)."""

    before: str | None
    after: str | None

    @property
    def migrated(self) -> bool:
        return self.before != self.after


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@functools.cache
def head_revision() -> str:
    """The newest revision of the migration scripts in this code."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "no migrations"
    return head


def is_known_revision(revision: str) -> bool:
    """Whether this code has the migration `revision` (else the database was migrated by newer code)."""
    try:
        return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision) is not None
    except Exception:  # alembic raises for an unknown revision id
        return False


def current_revision(connection: Connection) -> str | None:
    """The revision the database is at (None before the first migration)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(database_url: str) -> Upgrade:
    """Migrate to head under the migration lock (see the module docstring); safe to run concurrently."""
    with _sqlite_file_lock(database_url):
        return asyncio.run(_upgrade(database_url))


async def upgrade_to_head_async(database_url: str) -> Upgrade:
    """For callers inside an event loop: Alembic's env runs its own loop, so use a thread."""
    return await asyncio.to_thread(upgrade_to_head, database_url)


async def _upgrade(database_url: str) -> Upgrade:
    from backend.config import async_database_url
    from backend.db import create_engine

    engine = create_engine(async_database_url(database_url))
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
            before = await connection.run_sync(current_revision)
            await connection.run_sync(_upgrade_on, database_url)
            after = await connection.run_sync(current_revision)
            await connection.commit()
    finally:
        await engine.dispose()
    return Upgrade(before, after)


def _upgrade_on(connection: Connection, database_url: str) -> None:
    config = alembic_config(database_url)
    config.attributes["connection"] = connection  # env.py migrates on this connection, in its transaction
    command.upgrade(config, "head")


@contextlib.contextmanager
def _sqlite_file_lock(database_url: str) -> Iterator[None]:
    url = make_url(database_url)
    if not url.get_backend_name() == "sqlite" or url.database in (None, "", ":memory:"):
        yield
        return
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".migrate-lock"), "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


async def wait_for_head(database_url: str, timeout: float = 120.0) -> None:
    """Wait until `inissiaq db upgrade` has brought the database to head (the worker process starts
    its background work only then; it never migrates itself)."""
    import time

    from backend.config import async_database_url
    from backend.db import create_engine

    head = head_revision()
    engine = create_engine(async_database_url(database_url))
    deadline = time.monotonic() + timeout
    try:
        while True:
            current = None
            try:
                async with engine.connect() as connection:
                    current = await connection.run_sync(current_revision)
            except Exception:  # the database may not exist or answer yet
                current = None
            if current == head:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"database not at migration {head} after {timeout:.0f} s (at {current})")
            await asyncio.sleep(0.5)
    finally:
        await engine.dispose()
