"""The audit log's hash chain: `inissiaq audit verify` finds an edited, deleted or inserted entry, the
purge keeps the log verifiable, concurrent writers keep one chain, and PostgreSQL refuses changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend import audit
from backend.audit_chain import GENESIS, PURGE_ACTION, entry_hash, verify
from backend.cli import main
from backend.config import Settings
from backend.dao.audit import dao_create_audit_entry
from backend.models.audit import AuditChainHead, AuditEntry
from backend.scheduler import purge
from tests.backend.applications.factories import AVIAJA, KARIN


@pytest.fixture(autouse=True)
def _database_url(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)


async def verify_command(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`inissiaq audit verify` (main() runs its own event loop, so in a thread)."""
    status = await asyncio.to_thread(main, ["audit", "verify"])
    return status, capsys.readouterr().out


async def record_entries(db: AsyncSession, count: int, *, per_commit: int = 1) -> None:
    for number in range(count):
        await audit.record(
            db,
            actor="caseworker:1",
            action="application_viewed",
            person_cpr=AVIAJA if number % 2 else KARIN,
            details={"number": number, "text": "Nuuk æøå"},
        )
        if (number + 1) % per_commit == 0:
            await db.commit()
    await db.commit()


async def tamper(engine: AsyncEngine, sql: str, **params: object) -> None:
    """Change the table as someone with the owner's rights would: past the append-only trigger."""
    postgres = engine.dialect.name == "postgresql"
    async with engine.begin() as connection:
        if postgres:
            await connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        await connection.execute(text(sql), params)
        if postgres:
            await connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))


async def entries(db: AsyncSession) -> list[AuditEntry]:
    db.expunge_all()
    return list((await db.execute(select(AuditEntry).order_by(AuditEntry.id))).scalars().all())


async def test_each_entry_carries_the_hash_of_the_one_before_and_an_intact_log_verifies(
    db: AsyncSession, capsys: pytest.CaptureFixture[str]
) -> None:
    await record_entries(db, 7, per_commit=3)
    chain = await entries(db)
    assert [entry.id for entry in chain] == list(range(1, 8))
    assert chain[0].prev_hash == GENESIS
    for before, entry in pairwise(chain):
        assert entry.prev_hash == before.hash
    assert all(entry.hash == entry_hash(entry.__dict__) for entry in chain)
    head = await db.get(AuditChainHead, 1)
    assert head is not None and (head.last_id, head.last_hash) == (7, chain[-1].hash)
    status, out = await verify_command(capsys)
    assert status == 0, out
    assert "intact: 7 entries" in out


async def test_an_empty_log_verifies(capsys: pytest.CaptureFixture[str], engine: AsyncEngine) -> None:
    status, out = await verify_command(capsys)
    assert status == 0 and "intact: 0 entries" in out


async def test_an_edited_entry_is_named(
    db: AsyncSession, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    await record_entries(db, 5)
    await tamper(engine, "UPDATE audit_log SET person_cpr = :cpr WHERE id = 3", cpr="0101010101")
    status, out = await verify_command(capsys)
    assert status == 1
    assert "broken at entry 3: changed" in out


async def test_an_edited_entry_whose_hash_was_recomputed_is_named(
    db: AsyncSession, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    await record_entries(db, 5)
    third = (await entries(db))[2]
    forged = {**third.__dict__, "action": "nothing_to_see"}
    await tamper(
        engine,
        "UPDATE audit_log SET action = 'nothing_to_see', hash = :hash WHERE id = 3",
        hash=entry_hash(forged),
    )
    status, out = await verify_command(capsys)
    assert status == 1
    assert "broken at entry 3: changed or replaced" in out


async def test_a_deleted_middle_entry_is_named(
    db: AsyncSession, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    await record_entries(db, 5)
    await tamper(engine, "DELETE FROM audit_log WHERE id = 3")
    status, out = await verify_command(capsys)
    assert status == 1
    assert "broken at entry 3: deleted" in out


async def test_deleted_oldest_and_newest_entries_are_named(
    db: AsyncSession, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    await record_entries(db, 5)
    await tamper(engine, "DELETE FROM audit_log WHERE id = 5")
    status, out = await verify_command(capsys)
    assert status == 1 and "broken at entry 5: deleted" in out
    await tamper(engine, "DELETE FROM audit_log WHERE id IN (1, 2)")
    status, out = await verify_command(capsys)
    assert status == 1 and "broken at entry 1: deleted" in out


async def test_of_several_broken_entries_the_first_is_named(
    db: AsyncSession, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    await record_entries(db, 5)
    await tamper(engine, "UPDATE audit_log SET actor = 'someone' WHERE id = 4")
    await tamper(engine, "DELETE FROM audit_log WHERE id = 1")
    status, out = await verify_command(capsys)
    assert status == 1 and "broken at entry 1: deleted" in out


async def test_an_inserted_entry_is_named_even_with_a_correct_hash(
    db: AsyncSession, engine: AsyncEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    await record_entries(db, 4)
    last = (await entries(db))[-1]
    at = datetime.now(UTC)
    forged = {
        "id": 5,
        "at": at,
        "actor": "caseworker:1",
        "action": "application_viewed",
        "person_cpr": AVIAJA,
        "application_reference": None,
        "details": None,
        "prev_hash": last.hash,
    }
    await tamper(
        engine,
        "INSERT INTO audit_log (id, at, actor, action, person_cpr, prev_hash, hash) "
        "VALUES (5, :at, 'caseworker:1', 'application_viewed', :cpr, :prev, :hash)",
        at=at,
        cpr=AVIAJA,
        prev=last.hash,
        hash=entry_hash(forged),
    )
    status, out = await verify_command(capsys)
    assert status == 1
    assert "broken at entry 5: inserted" in out


async def test_an_entry_is_written_only_when_its_transaction_commits(db: AsyncSession) -> None:
    await audit.record(db, actor="cli", action="rolled_back")
    await db.rollback()
    await audit.record(db, actor="cli", action="kept")
    try:
        async with db.begin_nested():
            await audit.record(db, actor="cli", action="in_a_failed_savepoint")
            raise RuntimeError
    except RuntimeError:
        pass
    await db.commit()
    assert [(entry.id, entry.action) for entry in await entries(db)] == [(1, "kept")]
    assert (await verify(db)).intact


async def test_the_purge_of_old_entries_keeps_the_log_verifiable(
    db: AsyncSession, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    for days_ago in (900, 800, 760):
        await dao_create_audit_entry(
            db, AuditEntry(actor="cli", action="old", person_cpr=AVIAJA, at=now - timedelta(days=days_ago))
        )
        await db.commit()
    await record_entries(db, 3)

    counts = await purge(db, settings, now=now)
    assert counts["audit_entries"] == 3
    kept = await entries(db)
    assert [entry.action for entry in kept] == ["application_viewed"] * 3 + [PURGE_ACTION, "history_purged"]
    assert kept[3].details == {"up_to_id": 3, "up_to_hash": kept[0].prev_hash, "deleted": 3}
    status, out = await verify_command(capsys)
    assert status == 0, out

    later = now + timedelta(days=settings.history_retention_days + 1)
    assert (await purge(db, settings, now=later))["audit_entries"] == 5  # the first anchor too
    assert [entry.action for entry in await entries(db)] == [PURGE_ACTION, "history_purged"]
    status, out = await verify_command(capsys)
    assert status == 0, out


async def test_the_purge_keeps_an_old_entry_that_follows_a_newer_one(
    db: AsyncSession, settings: Settings
) -> None:
    """Only an unbroken run of the oldest entries is deleted, so the chain keeps one start."""
    now = datetime.now(UTC)
    for at in (now - timedelta(days=800), now, now - timedelta(days=800)):
        await dao_create_audit_entry(db, AuditEntry(actor="cli", action="entry", at=at))
        await db.commit()
    assert (await purge(db, settings, now=now))["audit_entries"] == 1
    assert [entry.id for entry in await entries(db)][:2] == [2, 3]
    assert (await verify(db)).intact


async def test_concurrent_writers_in_two_sessions_keep_one_valid_chain(
    sessions: async_sessionmaker[AsyncSession], db: AsyncSession
) -> None:
    async def writer(name: str) -> None:
        async with sessions() as session:
            for number in range(25):
                await audit.record(session, actor=name, action="concurrent", details={"n": number})
                await session.commit()

    await asyncio.gather(writer("cli:a"), writer("cli:b"))
    chain = await entries(db)
    assert [entry.id for entry in chain] == list(range(1, 51))
    assert {entry.actor for entry in chain} == {"cli:a", "cli:b"}
    assert (await verify(db)).intact


async def test_the_database_refuses_to_update_or_delete_an_audit_entry(
    db: AsyncSession, engine: AsyncEngine
) -> None:
    await record_entries(db, 3)
    if engine.dialect.name != "postgresql":  # SQLite (development) has no role to refuse: verify finds it
        await tamper(engine, "UPDATE audit_log SET action = 'x' WHERE id = 2")
        assert (await verify(db)).broken_id == 2
        return
    for statement in ("UPDATE audit_log SET action = 'x' WHERE id = 2", "DELETE FROM audit_log WHERE id = 1"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as connection:
                await connection.execute(text(statement))
    assert [entry.action for entry in await entries(db)] == ["application_viewed"] * 3
