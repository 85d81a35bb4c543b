"""The status-events migration (e2b4c5d6f7a8) on SQLite and PostgreSQL: applications submitted
before it get their timeline from what the applications table knows, and it can be undone."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from backend.config import async_database_url
from backend.db import create_engine
from backend.migrations.runner import alembic_config

BEFORE, THIS = "d1a3b4c5e6f7", "e2b4c5d6f7a8"
ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SUBMITTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TAKEN = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migration.db'}"
        return
    name = f"inissiaq_mig_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _migrate(connection: Connection, database_url: str, step: str, revision: str) -> None:
    config = alembic_config(database_url)
    config.attributes["connection"] = connection
    getattr(command, step)(config, revision)


def _insert_applications(connection: Connection) -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    connection.execute(
        text(
            "INSERT INTO conversations (id, channel, owner, created_at, updated_at) "
            "VALUES ('c1', 'web', 'bot', :now, :now)"
        ),
        {"now": now},
    )
    for number, (status, taken_by, decision) in enumerate(
        [("submitted", None, None), ("taken_over", 3, None), ("decided", 4, "granted")], start=1
    ):
        connection.execute(
            text(
                "INSERT INTO drafts (id, reference, conversation_id, person_cpr, period, snapshot, answers, "
                "created_at) VALUES (:id, :id, 'c1', :cpr, '2026-11', '{}', '{}', :now)"
            ),
            {"id": f"d{number}", "cpr": f"010101000{number}", "now": now},
        )
        connection.execute(
            text(
                "INSERT INTO applications (id, reference, draft_id, conversation_id, person_cpr, period, "
                "status, decision, decided_on, language, channel, phone_e164, snapshot, dwelling_confirmed, "
                "household_confirmed, corrections, submitted_at, taken_over_at, taken_over_by) VALUES "
                "(:n, :ref, :draft, 'c1', :cpr, '2026-11', :status, :decision, :decided_on, 'kl', 'web', "
                "'+299551234', '{}', true, true, '[]', :submitted, :taken_at, :taken_by)"
            ),
            {
                "n": number,
                "ref": f"BS-{number}",
                "draft": f"d{number}",
                "cpr": f"010101000{number}",
                "status": status,
                "decision": decision,
                "decided_on": datetime(2026, 11, 6).date() if decision else None,
                "submitted": SUBMITTED,
                "taken_at": TAKEN if taken_by else None,
                "taken_by": taken_by,
            },
        )


def _events(connection: Connection) -> list[tuple]:
    rows = connection.execute(
        text(
            "SELECT application_id, status, actor, decision FROM application_status_events "
            "ORDER BY application_id, id"
        )
    )
    return [tuple(row) for row in rows]


async def test_existing_applications_get_their_timeline_and_the_migration_can_be_undone(
    database_url: str,
) -> None:
    engine = create_engine(async_database_url(database_url))
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate, database_url, "upgrade", BEFORE)
            await connection.run_sync(_insert_applications)
            await connection.run_sync(_migrate, database_url, "upgrade", THIS)
            assert await connection.run_sync(_events) == [
                (1, "submitted", "citizen", None),
                (2, "submitted", "citizen", None),
                (2, "taken_over", "caseworker:3", None),
                (3, "submitted", "citizen", None),
                (3, "taken_over", "caseworker:4", None),
                (3, "decided", "system", "granted"),
            ]
            case_refs = await connection.execute(text("SELECT case_reference FROM applications"))
            assert set(case_refs.scalars()) == {None}

            await connection.run_sync(_migrate, database_url, "downgrade", BEFORE)
            await connection.run_sync(_migrate, database_url, "upgrade", THIS)
            assert len(await connection.run_sync(_events)) == 6
            await connection.commit()
    finally:
        await engine.dispose()
