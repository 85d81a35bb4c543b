import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend import retention
from backend.applications.drafts import save_answers
from backend.models.applications import Draft
from backend.models.audit import AuditEntry
from backend.models.scheduling import JobRun
from backend.models.states import ApplicationStatus
from backend.scheduler import claim, digest_slot, is_working_day, purge, scheduler_now, tick, waiting_count
from tests.backend.applications.factories import (
    AVIAJA,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)


def _nuuk(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A frozen moment on the clock in Nuuk, as the scheduler receives it (UTC)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("America/Nuuk")).astimezone(UTC)


def test_the_digest_is_due_at_nine_on_a_monday(settings) -> None:
    assert digest_slot(_nuuk(2026, 6, 22, 9), settings) == "2026-06-22"
    assert digest_slot(_nuuk(2026, 6, 22, 8, 59), settings) is None


def test_the_scheduler_clock_is_real_unless_a_development_start_is_set(settings) -> None:
    before = datetime.now(UTC)
    assert before <= scheduler_now(settings) <= datetime.now(UTC)
    monday_nine = _nuuk(2026, 12, 7, 9)
    moved = scheduler_now(replace(settings, scheduler_clock_start=monday_nine.isoformat()))
    # It started at that moment when this process started and has run on since.
    assert monday_nine <= moved < monday_nine + timedelta(hours=1)
    assert digest_slot(moved, settings) == "2026-12-07"


def test_no_digest_on_a_saturday_on_the_national_day_or_on_christmas_eve(settings) -> None:
    assert digest_slot(_nuuk(2026, 6, 20, 9), settings) is None  # Saturday
    assert digest_slot(_nuuk(2027, 6, 21, 9), settings) is None  # Monday, national day
    assert digest_slot(_nuuk(2026, 12, 24, 9), settings) is None  # Thursday, Christmas Eve


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 6, 22), True),
        (date(2026, 6, 21), False),
        (date(2027, 6, 21), False),
        (date(2026, 4, 3), False),
    ],
)
def test_working_days_follow_greenlands_holidays_including_the_optional_ones(
    day: date, working: bool
) -> None:
    assert is_working_day(day) is working


async def test_of_two_instances_claiming_the_same_slot_exactly_one_gets_it(
    sessions: async_sessionmaker[AsyncSession], db: AsyncSession
) -> None:
    async def one_instance() -> bool:
        async with sessions() as own:
            return await claim(own, "digest", "2026-06-22", datetime.now(UTC)) is not None

    results = await asyncio.gather(one_instance(), one_instance())
    assert sorted(results) == [False, True]
    runs = (await db.execute(select(JobRun))).scalars().all()
    assert [(r.job, r.slot) for r in runs] == [("digest", "2026-06-22")]


PURGE_DAY = "2026-06-20"  # a Saturday: no digest is due beside the purge
AFTER_PURGE_TIME = _nuuk(2026, 6, 20, 3)


async def purge_runs(db: AsyncSession) -> tuple[list[JobRun], int]:
    """The purge's job runs and how many purges the audit log recorded."""
    db.expunge_all()
    runs = list((await db.execute(select(JobRun).where(JobRun.job == "purge"))).scalars().all())
    purges = (await db.execute(select(AuditEntry).where(AuditEntry.action == "history_purged"))).all()
    return runs, len(purges)


async def test_of_two_instances_ticking_the_purge_slot_at_once_one_purge_runs_and_its_run_records_it(
    sessions: async_sessionmaker[AsyncSession], db: AsyncSession, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = []

    async def slow_first_step(settings, *, now) -> int:  # both instances tick while the first purges
        started.append(now)
        await asyncio.sleep(0.3)
        return 0

    monkeypatch.setattr(retention, "purge_tracker_events", slow_first_step)
    await asyncio.gather(
        tick(sessions, settings, AFTER_PURGE_TIME), tick(sessions, settings, AFTER_PURGE_TIME)
    )
    runs, purges = await purge_runs(db)
    assert len(started) == 1 and purges == 1
    assert [(run.slot, run.finished_at is not None) for run in runs] == [(PURGE_DAY, True)]
    assert runs[0].result is not None and runs[0].result["rasa_events"] == 0


async def test_a_purge_that_fails_midway_is_run_by_the_next_tick(
    sessions: async_sessionmaker[AsyncSession], db: AsyncSession, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply = retention.apply
    calls = []

    async def dies_the_first_time(db, settings, *, now):  # an instance that fails (or dies) mid-purge
        calls.append(now)
        if len(calls) == 1:
            raise RuntimeError("connection lost")
        return await apply(db, settings, now=now)

    monkeypatch.setattr(retention, "apply", dies_the_first_time)
    with pytest.raises(RuntimeError):
        await tick(sessions, settings, AFTER_PURGE_TIME)
    assert await purge_runs(db) == ([], 0)  # the claim went with the failed purge

    await tick(sessions, settings, AFTER_PURGE_TIME + timedelta(seconds=30))  # the next tick, any instance
    await tick(sessions, settings, AFTER_PURGE_TIME + timedelta(seconds=60))
    runs, purges = await purge_runs(db)
    assert len(calls) == 2 and purges == 1
    assert [(run.slot, run.finished_at is not None) for run in runs] == [(PURGE_DAY, True)]


async def test_an_application_waits_until_it_is_assigned_and_opened_or_taken_over(
    db: AsyncSession, settings
) -> None:
    assert await waiting_count(db) == 0
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA)
    draft = await create_draft(db, conversation, settings)
    application = (await submit_draft(db, conversation, draft.draft.id, settings)).application
    assert await waiting_count(db) == 1
    application.assigned_caseworker_id = 1
    await db.commit()
    assert await waiting_count(db) == 1
    application.opened_at = datetime.now(UTC)
    await db.commit()
    assert await waiting_count(db) == 0


async def test_purge_removes_processed_applications_older_than_the_retention_period(
    db: AsyncSession, settings
) -> None:
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA)
    draft = await create_draft(db, conversation, settings, now=datetime(2023, 1, 10, tzinfo=UTC))
    application = (
        await submit_draft(db, conversation, draft.draft.id, settings, now=datetime(2023, 1, 10, tzinfo=UTC))
    ).application
    application.status, application.taken_over_at = (
        ApplicationStatus.TAKEN_OVER,
        datetime(2023, 1, 11, tzinfo=UTC),
    )
    await db.commit()
    counts = await purge(db, settings, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert counts["applications"] == 1
    assert await purge(db, settings, now=datetime(2026, 1, 1, tzinfo=UTC)) == {
        **counts,
        "applications": 0,
        "audit_entries": 0,
    }


async def test_the_daily_purge_removes_unsent_drafts_idle_longer_than_draft_retention_days(
    db: AsyncSession, settings
) -> None:
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA)
    answered_at = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    draft = await create_draft(db, conversation, settings, now=answered_at)
    await save_answers(
        db, conversation, AVIAJA, draft.draft.id, {"dwelling_confirmed": True}, now=answered_at
    )
    ten_days = replace(settings, draft_retention_days=10)
    kept = await purge(db, ten_days, now=datetime(2026, 12, 12, 12, 0, tzinfo=UTC))
    assert kept["drafts"] == 0 and await db.get(Draft, draft.draft.id) is not None
    purged = await purge(db, ten_days, now=datetime(2026, 12, 13, 13, 0, tzinfo=UTC))
    assert purged["drafts"] == 1
    db.expunge_all()
    assert await db.get(Draft, draft.draft.id) is None
