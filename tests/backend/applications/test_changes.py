"""The application change feed: paging without loss or repeat, also when two transactions change
applications at the same time and the earlier one commits last (PostgreSQL)."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.applications.changes import decode_cursor, read_feed, record_change
from backend.models.applications import Application
from backend.models.machine_clients import ApplicationChange
from tests.backend.applications.factories import (
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)


async def _submitted(db: AsyncSession, settings) -> Application:  # type: ignore[no-untyped-def]
    await seed_registers(db)
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)
    return (await submit_draft(db, conversation, draft.draft.id, settings)).application


async def _read(
    sessions: async_sessionmaker[AsyncSession], after: str, limit: int = 50
) -> tuple[list[int], str]:
    async with sessions() as poll:
        page = await read_feed(poll, after, limit)
        return [c.id for c in page.changes], page.next_cursor


async def test_paging_the_feed_returns_every_change_once_in_order(
    db: AsyncSession, sessions, settings
) -> None:
    application = await _submitted(db, settings)
    for kind in ("status", "assignment", "corrections", "taken_over"):
        await record_change(db, application, kind)
        await db.commit()
    seen: list[int] = []
    cursor = ""
    while True:
        ids, cursor = await _read(sessions, cursor, limit=2)
        if not ids:
            break
        seen += ids
    assert seen == [1, 2, 3, 4, 5]
    assert decode_cursor(cursor) == 5
    assert await _read(sessions, cursor) == ([], cursor)  # nothing new: the same cursor again
    kinds = (await db.execute(select(ApplicationChange.kind).order_by(ApplicationChange.id))).scalars()
    assert list(kinds) == ["submitted", "status", "assignment", "corrections", "taken_over"]


async def _waiting_for_a_lock(db: AsyncSession, pid: int) -> bool:
    row = await db.execute(
        text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
    )
    return row.scalar() == "Lock"


async def test_a_change_committed_late_is_neither_missed_nor_overtaken(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings
) -> None:
    assert db.get_bind().dialect.name == "postgresql", "this test shows the PostgreSQL behaviour"
    application = await _submitted(db, settings)
    ids, cursor = await _read(sessions, "")
    assert ids == [1]

    async with sessions() as first, sessions() as second:
        await record_change(first, await first.get(Application, application.id), "status")  # id 2, open
        pid = (await second.execute(text("SELECT pg_backend_pid()"))).scalar_one()

        async def later_change() -> int:
            change = await record_change(second, await second.get(Application, application.id), "assignment")
            return change.id

        task = asyncio.create_task(later_change())
        deadline = time.monotonic() + 20
        while not await _waiting_for_a_lock(db, pid):
            assert time.monotonic() < deadline, "the second transaction never waited for the first"
            assert not task.done(), "the second change got an id while the first was still open"
            await asyncio.sleep(0.02)
        assert await _read(sessions, cursor) == ([], cursor)  # nothing committed yet

        await first.commit()
        assert await asyncio.wait_for(task, 20) == 3  # only now, and after the first one
        ids, cursor_after_first = await _read(sessions, cursor)
        assert ids == [2]  # the first is visible; the second, still open, is not
        await second.commit()
    ids, _ = await _read(sessions, cursor_after_first)
    assert ids == [3]
