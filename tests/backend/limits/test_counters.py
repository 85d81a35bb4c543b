"""Fixed-window counters shared by every instance: in the database, or in Redis when REDIS_URL is set."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import limits
from backend.limits import storage
from backend.limits.storage import DatabaseCounters, RedisCounters
from backend.models.limits import RateLimitCounter
from tests.backend.limits.support import BACKENDS, instances, settings_for

THREE_PER_MINUTE = limits.Limit("test", 3, limits.MINUTE)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_two_instances_count_the_same_hits(settings, engine, backend: str) -> None:
    subject = f"+29955{uuid.uuid4().int % 10000:04d}"
    async with instances(settings_for(settings, backend)) as (first, second):
        now = time.time()
        hits = [
            await limits.hit(app, THREE_PER_MINUTE, subject, at=now)
            for app in (first, second, first, second, first)
        ]
    assert [h.count for h in hits] == [1, 2, 3, 4, 5]
    assert [h.allowed for h in hits] == [True, True, True, False, False]
    assert [h.first_refused for h in hits] == [False, False, False, True, False]
    assert all(1 <= h.retry_after <= 60 for h in hits)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_concurrent_hits_on_two_instances_are_each_counted_once(settings, engine, backend: str) -> None:
    subject = f"session-{uuid.uuid4().hex}"
    limit = limits.Limit("test", 10, limits.DAY)
    async with instances(settings_for(settings, backend)) as apps:
        now = time.time()
        hits = await asyncio.gather(*(limits.hit(apps[i % 2], limit, subject, at=now) for i in range(30)))
    assert sorted(h.count for h in hits) == list(range(1, 31))
    assert sum(h.allowed for h in hits) == 10
    assert sum(h.first_refused for h in hits) == 1


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_new_window_starts_from_zero(settings, engine, backend: str) -> None:
    subject = f"session-{uuid.uuid4().hex}"
    async with instances(settings_for(settings, backend), count=1) as (app,):
        start = (time.time() // 60) * 60
        for _ in range(4):
            await limits.hit(app, THREE_PER_MINUTE, subject, at=start + 10)
        later = await limits.hit(app, THREE_PER_MINUTE, subject, at=start + 61)
        assert (later.count, later.allowed, later.retry_after) == (1, True, 59)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_subjects_and_limits_are_counted_apart(settings, engine, backend: str) -> None:
    async with instances(settings_for(settings, backend), count=1) as (app,):
        now = time.time()
        one, other = f"a-{uuid.uuid4().hex}", f"b-{uuid.uuid4().hex}"
        await limits.hit(app, THREE_PER_MINUTE, one, at=now)
        assert (await limits.hit(app, THREE_PER_MINUTE, other, at=now)).count == 1
        assert (await limits.hit(app, limits.Limit("other", 3, 60), one, at=now)).count == 1


async def test_a_limit_of_zero_counts_nothing_and_allows_everything(
    settings, engine, db: AsyncSession
) -> None:
    async with instances(settings, count=1) as (app,):
        hits = [await limits.hit(app, limits.Limit("off", 0, 60), "+299551234") for _ in range(5)]
    assert all(h.allowed and h.count == 0 for h in hits)
    assert (await db.execute(select(RateLimitCounter))).scalars().all() == []


async def test_the_database_keeps_a_keyed_hash_of_the_subject_never_the_subject(
    settings, engine, db: AsyncSession
) -> None:
    async with instances(settings, count=1) as (app,):
        await limits.hit(app, THREE_PER_MINUTE, "+299551234")
    (row,) = (await db.execute(select(RateLimitCounter))).scalars().all()
    assert row.key.startswith("test:") and "551234" not in row.key and len(row.key) == len("test:") + 40
    assert row.count == 1 and row.expires_at == row.window_start + 60


async def test_ended_windows_are_deleted_on_the_fly(settings, engine, db: AsyncSession, monkeypatch) -> None:
    async with instances(settings, count=1) as (app,):
        long_ago = time.time() - 3600
        await limits.hit(app, THREE_PER_MINUTE, "old", at=long_ago)
        store = storage.counters_for(app)
        assert isinstance(store, DatabaseCounters)
        store._next_sweep = 0.0  # the next hit sweeps (at most once a minute per instance)
        await limits.hit(app, THREE_PER_MINUTE, "new")
    keys = (await db.execute(select(RateLimitCounter.window_start))).scalars().all()
    assert len(keys) == 1 and keys[0] > long_ago


async def test_with_redis_url_the_counters_are_in_redis(settings, engine) -> None:
    async with instances(
        settings_for(settings, "database", redis_url="redis://127.0.0.1:6379/0"), count=1
    ) as (app,):
        assert isinstance(storage.counters_for(app), RedisCounters)


async def test_an_unreachable_redis_allows_the_hit_instead_of_failing_the_request(settings, engine) -> None:
    unreachable = settings_for(settings, "database", redis_url="redis://127.0.0.1:9/0")
    async with instances(unreachable, count=1) as (app,):
        hits = [await limits.hit(app, limits.Limit("test", 1, 60), "x") for _ in range(3)]
    assert all(h.allowed for h in hits)
