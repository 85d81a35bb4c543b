"""Rasa's lock store from REDIS_URL (bot/lock_store.py), against the real Redis at 127.0.0.1:6379
and a private redis-server that the tests stop."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from rasa.core.agent import Agent
from rasa.core.lock_store import InMemoryLockStore, LockError

from bot.channels.gateway import GatewayInput
from bot.lock_store import EnvLockStore, LockStoreUnavailable, RedisUrlLockStore
from bot.tracker_store import EnvSQLTrackerStore
from tests.bot.conftest import free_port, serve

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


async def until(check, *, timeout: float = 10.0, what: str = "condition") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class PrivateRedis:
    """A redis-server of one test alone (no persistence), so that it can be stopped and started."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.server = subprocess.Popen(
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(host="127.0.0.1", port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.server is not None:
            self.server.kill()
            self.server.wait()
            self.server = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


async def test_two_replicas_take_turns_on_one_conversation_through_redis() -> None:
    first, second = EnvLockStore(url=REDIS_URL), EnvLockStore(url=REDIS_URL)
    assert first.shared and second.shared
    conversation = f"lock-test-{uuid.uuid4().hex}"
    order: list[str] = []
    release_first = asyncio.Event()

    async def turn(store: EnvLockStore, name: str, hold: asyncio.Event | None) -> None:
        async with store.lock(conversation, wait_time_in_seconds=0.05):
            order.append(f"{name} starts")
            if hold is not None:
                await hold.wait()
            order.append(f"{name} ends")

    first_turn = asyncio.create_task(turn(first, "first", release_first))
    await until(lambda: order == ["first starts"], what="the first replica's turn")
    second_turn = asyncio.create_task(turn(second, "second", None))
    # The second replica has its ticket in Redis and waits behind the first.
    await until(
        lambda: (lock := second.get_lock(conversation)) is not None and len(lock.tickets) == 2,
        what="the second replica's ticket",
    )
    assert order == ["first starts"]
    release_first.set()
    await asyncio.wait_for(asyncio.gather(first_turn, second_turn), 10)
    assert order == ["first starts", "first ends", "second starts", "second ends"]
    assert first.get_lock(conversation) is None  # cleaned up once nobody waits


async def test_without_redis_url_the_lock_is_in_memory_for_one_instance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(EnvLockStore().backend, InMemoryLockStore)
    monkeypatch.setenv("REDIS_URL", "")
    assert not EnvLockStore().shared


def test_redis_url_from_the_environment_means_redis(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    store = EnvLockStore()
    assert isinstance(store.backend, RedisUrlLockStore)


def test_a_configured_redis_that_does_not_answer_stops_the_start_instead_of_using_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://:s3cret@127.0.0.1:{free_port()}/1")
    with pytest.raises(LockStoreUnavailable) as error:
        EnvLockStore()
    assert "s3cret" not in str(error.value)
    assert "127.0.0.1" in str(error.value)


async def test_a_turn_fails_while_redis_is_down_and_works_again_after(private_redis: PrivateRedis) -> None:
    store = EnvLockStore(url=private_redis.url)
    async with store.lock("c-1", wait_time_in_seconds=0.05):
        pass
    private_redis.stop()  # killed, as the failure tests do
    with pytest.raises(LockError):
        async with store.lock("c-1", wait_time_in_seconds=0.05):
            pytest.fail("a lock was taken without Redis")
    private_redis.start()  # started again by its supervisor: the same store reconnects
    async with store.lock("c-1", wait_time_in_seconds=0.05) as lock:
        assert lock.conversation_id == "c-1"


async def test_gateway_health_names_the_lock_store_while_redis_is_down(
    private_redis: PrivateRedis, tmp_path: Path
) -> None:
    agent = Agent(
        tracker_store=EnvSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db")),
        lock_store=EnvLockStore(url=private_redis.url),
    )
    async with serve(GatewayInput(secret="lock-test-secret"), _no_turns, agent) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            before = await client.get("/webhooks/gateway/health")
            private_redis.stop()
            during = await client.get("/webhooks/gateway/health")
    assert before.status_code == 200
    assert before.json() == {"status": "ok", "tracker_store": "ok", "lock_store": "ok"}
    assert during.status_code == 503
    assert during.json() == {"status": "unavailable", "tracker_store": "ok", "lock_store": "down"}


async def _no_turns(message: object) -> None:
    raise AssertionError("no turn expected")
