"""`inissiaq db upgrade` as a deployment step: two copies started together migrate the database once.

The test holds the migration lock itself until both copies are waiting for it, so the two really
run at the same time; then both must exit 0, one having migrated and the other having found the
database at head. On SQLite the lock is a file beside the database.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from backend.migrations.runner import MIGRATION_LOCK_KEY, head_revision
from tests.servers import STARTUP_TIMEOUT

ROOT = Path(__file__).resolve().parents[2]
INISSIAQ = ROOT / ".venv-backend" / "bin" / "inissiaq"
ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def until(check, *, timeout: float = STARTUP_TIMEOUT, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def start_upgrades(database_url: str, count: int = 2) -> list[subprocess.Popen[str]]:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    return [
        subprocess.Popen(
            [str(INISSIAQ), "db", "upgrade"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]


def finish(processes: list[subprocess.Popen[str]]) -> list[str]:
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        outputs.append(out.strip())
    return sorted(outputs)


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    import asyncio

    name = f"inissiaq_migrate_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(ADMIN_URL)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_two_upgrades_started_together_on_fresh_postgresql_migrate_once(fresh_postgres: str) -> None:
    import asyncio

    loop = asyncio.new_event_loop()
    holder = loop.run_until_complete(asyncpg.connect(fresh_postgres))
    try:
        loop.run_until_complete(holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY))
        processes = start_upgrades(fresh_postgres)

        def waiting() -> int:
            query = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            return int(loop.run_until_complete(holder.fetchval(query)))

        until(lambda: waiting() == 2, what="both upgrades to wait for the migration lock")
        loop.run_until_complete(holder.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY))
        outputs = finish(processes)
        versions = loop.run_until_complete(holder.fetch("SELECT version_num FROM alembic_version"))
    finally:
        loop.run_until_complete(holder.close())
        loop.close()
    head = head_revision()
    assert outputs == [
        f"database already at the newest schema ({head})",
        f"database migrated from empty to {head}",
    ]
    assert [row["version_num"] for row in versions] == [head]


def test_an_upgrade_of_a_sqlite_file_waits_for_the_lock_file(tmp_path: Path) -> None:
    database = tmp_path / "inissiaq.db"
    with open(tmp_path / "inissiaq.db.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as another upgrade in progress holds it
        processes = start_upgrades(f"sqlite:///{database}", count=1)
        inode = os.fstat(lock.fileno()).st_ino

        def waiting() -> int:  # blocked flock requests on the lock file ("->" lines of /proc/locks)
            lines = Path("/proc/locks").read_text().splitlines()
            return sum(1 for line in lines if "->" in line and line.split()[-3].endswith(f":{inode}"))

        until(lambda: waiting() == 1, what="the upgrade to wait for the lock file")
        assert processes[0].poll() is None
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert finish(processes) == [f"database migrated from empty to {head_revision()}"]
