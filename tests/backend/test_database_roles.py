"""The application's database role on real PostgreSQL: a fresh database owned by a role of its own,
migrated with `inissiaq db upgrade` as that owner, and `inissiaq db grant` for a second login role
that owns nothing. Connected as that role, the services work, the audit log can only be appended to,
and only the owner's purge function deletes old entries, never recent ones."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import asyncpg
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend import audit
from backend.applications.status import change_status
from backend.audit_chain import PURGE_ACTION, verify
from backend.cli import main
from backend.config import Secret, Settings
from backend.dao.audit import dao_create_audit_entry
from backend.db import create_engine, create_session_factory
from backend.models.applications import Application
from backend.models.audit import AuditChainHead, AuditEntry
from backend.models.states import ApplicationStatus
from backend.scheduler import purge
from tests.backend.applications.factories import (
    AVIAJA,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.conftest import ADMIN_URL

RETENTION_DAYS = 730


@dataclass(frozen=True)
class Roles:
    """A fresh database, its owner and the application's role (unique names: parallel runs do not
    collide)."""

    database: str
    owner: str
    app: str

    @classmethod
    def fresh(cls) -> Roles:
        suffix = uuid.uuid4().hex[:10]
        return cls(f"inissiaq_roles_{suffix}", f"inissiaq_owner_{suffix}", f"inissiaq_app_{suffix}")

    def url(self, role: str) -> str:
        server = make_url(ADMIN_URL).set(username=role, password=None, database=self.database)
        return server.render_as_string(hide_password=False)

    @property
    def owner_url(self) -> str:
        return self.url(self.owner)

    @property
    def app_url(self) -> str:
        return self.url(self.app)

    def env(self) -> dict[str, str]:
        return {
            "INISSIAQ_MODE": "development",
            "DATABASE_URL": self.app_url,
            "MIGRATION_DATABASE_URL": self.owner_url,
            "HISTORY_RETENTION_DAYS": str(RETENTION_DAYS),
        }


async def run_cli(env: dict[str, str], *argv: str) -> int:
    """`inissiaq …` with these settings (main() runs its own event loop, so in a thread)."""
    with mock.patch.dict(os.environ, env):
        if "MIGRATION_DATABASE_URL" not in env:
            os.environ.pop("MIGRATION_DATABASE_URL", None)
        return await asyncio.to_thread(main, list(argv))


@pytest.fixture(scope="module")
async def roles() -> AsyncIterator[Roles]:
    """Created as the test server's superuser, migrated and granted through the `inissiaq` command,
    everything dropped afterwards."""
    found = Roles.fresh()
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE ROLE "{found.owner}" LOGIN NOSUPERUSER')
        await admin.execute(f'CREATE ROLE "{found.app}" LOGIN NOSUPERUSER')
        await admin.execute(f'CREATE DATABASE "{found.database}" OWNER "{found.owner}"')
        assert await run_cli(found.env(), "db", "upgrade") == 0
        assert await run_cli(found.env(), "db", "grant") == 0
        assert await run_cli(found.env(), "audit", "verify") == 0  # a fresh log, only the chain head
        yield found
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{found.database}" WITH (FORCE)')
        await admin.execute(f'DROP ROLE IF EXISTS "{found.app}"')
        await admin.execute(f'DROP ROLE IF EXISTS "{found.owner}"')
        await admin.close()


@pytest.fixture(scope="module")
async def app_engine(roles: Roles) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=roles.app_url).async_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="module")
async def owner_engine(roles: Roles) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=roles.owner_url).async_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def as_app(app_engine: AsyncEngine, owner_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session as the application's role, on a database the owner empties after the test."""
    sessions: async_sessionmaker[AsyncSession] = create_session_factory(app_engine)
    async with sessions() as session:
        yield session
    async with owner_engine.begin() as connection:
        tables = (
            await connection.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
                )
            )
        ).scalars()
        await connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        await connection.execute(
            text(
                "INSERT INTO audit_chain_head (id, last_id, last_hash, purge_up_to, min_retention_days) "
                "VALUES (1, 0, :genesis, 0, :days)"
            ),
            {"genesis": "0" * 64, "days": RETENTION_DAYS},
        )


@pytest.fixture
def app_settings(roles: Roles) -> Settings:
    return Settings(
        mode="development",
        database_url=roles.app_url,
        internal_secret=Secret("test-internal-secret"),
        session_secret=Secret("test-session-secret"),
        rasa_url="http://127.0.0.1:9",
        background_workers=False,
        history_retention_days=RETENTION_DAYS,
    )


async def refused(engine: AsyncEngine, statement: str) -> str:
    """Run `statement` in a transaction of its own; return PostgreSQL's refusal (fails if it ran)."""
    with pytest.raises(DBAPIError) as caught:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    return str(caught.value.orig)


async def record(db: AsyncSession, count: int) -> None:
    for number in range(count):
        await audit.record(
            db, actor="caseworker:1", action="application_viewed", person_cpr=AVIAJA, details={"n": number}
        )
    await db.commit()


async def actions(db: AsyncSession) -> list[str]:
    db.expunge_all()
    return list((await db.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars().all())


async def test_the_application_role_appends_to_the_audit_log_but_cannot_change_empty_or_unprotect_it(
    as_app: AsyncSession, app_engine: AsyncEngine
) -> None:
    await record(as_app, 3)
    assert await actions(as_app) == ["application_viewed"] * 3
    assert "permission denied" in await refused(app_engine, "UPDATE audit_log SET action = 'x' WHERE id = 2")
    assert "permission denied" in await refused(app_engine, "DELETE FROM audit_log WHERE id = 1")
    assert "permission denied" in await refused(app_engine, "TRUNCATE audit_log")
    assert "must be owner" in await refused(
        app_engine, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"
    )
    assert "must be owner" in await refused(app_engine, "DROP TABLE audit_log")
    assert await actions(as_app) == ["application_viewed"] * 3
    assert (await verify(as_app)).intact


async def test_the_application_role_cannot_move_the_purge_mark_or_lower_the_retention_floor(
    as_app: AsyncSession, app_engine: AsyncEngine
) -> None:
    await record(as_app, 3)
    assert "permission denied" in await refused(app_engine, "UPDATE audit_chain_head SET purge_up_to = 3")
    assert "permission denied" in await refused(
        app_engine, "UPDATE audit_chain_head SET min_retention_days = 0"
    )
    assert "permission denied" in await refused(app_engine, "DELETE FROM audit_chain_head")
    # Called directly with a cutoff in the future, the purge function still keeps the recent entries.
    async with app_engine.begin() as connection:
        purged = await connection.execute(text("SELECT * FROM audit_log_purge(now() + interval '10 years')"))
        assert purged.first() is None
    assert await actions(as_app) == ["application_viewed"] * 3
    head = await as_app.get(AuditChainHead, 1)
    assert head is not None and (head.purge_up_to, head.min_retention_days) == (0, RETENTION_DAYS)


async def test_the_daily_purge_as_the_application_role_deletes_old_entries_and_never_recent_ones(
    as_app: AsyncSession, app_settings: Settings
) -> None:
    now = datetime.now(UTC)
    for days_ago in (900, 800):
        await dao_create_audit_entry(
            as_app,
            AuditEntry(actor="cli", action="old", person_cpr=AVIAJA, at=now - timedelta(days=days_ago)),
        )
        await as_app.commit()
    await record(as_app, 2)

    counts = await purge(as_app, app_settings, now=now)
    assert counts["audit_entries"] == 2
    assert await actions(as_app) == ["application_viewed"] * 2 + [PURGE_ACTION, "history_purged"]
    assert (await verify(as_app)).intact

    # A clock moved years ahead (or a compromised service) asks for more: the database keeps what is
    # younger than the retention floor `db grant` recorded.
    assert (await purge(as_app, app_settings, now=now + timedelta(days=5 * 365)))["audit_entries"] == 0
    assert await actions(as_app) == ["application_viewed"] * 2 + [PURGE_ACTION] + ["history_purged"] * 2
    assert (await verify(as_app)).intact


async def test_an_application_is_submitted_and_received_as_the_application_role(
    as_app: AsyncSession, app_settings: Settings
) -> None:
    await seed_registers(as_app)
    conversation = await create_conversation(as_app)
    ready = await create_draft(as_app, conversation, app_settings)
    submission = await submit_draft(as_app, conversation, ready.draft.id, app_settings)
    assert submission.created
    reference = submission.application.reference
    changed = await change_status(
        as_app, reference, ApplicationStatus.RECEIVED, actor="caseworker:1", settings=app_settings
    )
    assert changed.status == ApplicationStatus.RECEIVED
    as_app.expunge_all()
    assert (await as_app.execute(select(func.count()).select_from(Application))).scalar_one() == 1
    assert {"application_submitted", "application_received"} <= set(await actions(as_app))
    assert (await verify(as_app)).intact


async def test_grant_refuses_the_owner_a_superuser_and_a_role_that_does_not_exist(
    roles: Roles, capsys: pytest.CaptureFixture[str]
) -> None:
    for role, why in (
        (roles.owner, "the tables' owner"),
        (make_url(ADMIN_URL).username or "postgres", "superuser"),  # the test server's own superuser
        (f"nobody_{uuid.uuid4().hex[:8]}", "does not exist"),
    ):
        assert await run_cli(roles.env(), "db", "grant", "--app-role", role) == 1
        assert why in capsys.readouterr().err


async def test_grant_again_is_harmless_and_covers_the_sequences(
    roles: Roles, owner_engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await run_cli(roles.env(), "db", "grant") == 0
    out = capsys.readouterr().out
    assert f"role {roles.app}:" in out and f"younger than {RETENTION_DAYS} days" in out
    async with owner_engine.connect() as connection:
        usage, update = (
            await connection.execute(
                text(
                    "SELECT has_sequence_privilege(:role, 'applications_id_seq', 'USAGE'), "
                    "has_sequence_privilege(:role, 'applications_id_seq', 'UPDATE')"
                ),
                {"role": roles.app},
            )
        ).one()
    assert (usage, update) == (True, False)


async def test_on_sqlite_there_is_nothing_to_grant(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"INISSIAQ_MODE": "development", "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.db'}"}
    assert await run_cli(env, "db", "grant") == 0
    assert "nothing to grant" in capsys.readouterr().out
