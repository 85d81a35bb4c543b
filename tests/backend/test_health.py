"""`/healthz` (alive) and `/readyz` (can serve: database, migrations at head, Rasa) of an instance."""

from __future__ import annotations

import dataclasses
import sqlite3
import time
from pathlib import Path

import httpx
import pytest
from sanic import Sanic

from backend import readiness
from backend.app import create_app
from backend.config import Settings
from backend.migrations.runner import head_revision, upgrade_to_head_async
from tests.backend.channels.support import FakeRasa


@pytest.fixture(autouse=True)
def _no_readiness_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readiness, "CACHE_SECONDS", 0.0)


def instance(settings: Settings, **changes: object) -> tuple[Sanic, FakeRasa]:
    app = create_app(dataclasses.replace(settings, **changes), name=f"readyz_{time.monotonic_ns()}")
    return app, FakeRasa().install(app)


async def test_healthz_is_alive_and_readyz_names_rasa_while_its_health_check_fails(app) -> None:
    rasa = FakeRasa().install(app)
    _, ready = await app.asgi_client.get("/readyz")
    rasa.healthy = False  # Rasa's gateway answers 503 while its tracker or lock store is down
    _, not_ready = await app.asgi_client.get("/readyz")
    _, alive = await app.asgi_client.get("/healthz")
    assert ready.status == 200
    assert ready.json == {"status": "ok", "database": "ok", "migrations": "current", "rasa": "ok", "down": []}
    assert not_ready.status == 503
    assert not_ready.json == {
        "status": "unavailable",
        "database": "ok",
        "migrations": "current",
        "rasa": "down",
        "down": ["rasa"],
    }
    assert (alive.status, alive.json) == (200, {"status": "ok"})  # not ready, but alive: no restart


async def test_readyz_is_503_naming_the_database_while_it_does_not_answer(settings: Settings) -> None:
    app, _ = instance(settings, database_url="postgresql://postgres@127.0.0.1:1/nowhere")
    _, response = await app.asgi_client.get("/readyz")
    _, alive = await app.asgi_client.get("/healthz")
    assert response.status == 503
    assert response.json["database"] == "down"
    assert response.json["down"] == ["database", "migrations"]
    assert alive.status == 200  # alive, only not ready: a supervisor must not restart it


async def test_a_web_instance_before_the_upgrade_step_is_not_ready_then_ready_after(
    settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "fresh.db"
    sqlite3.connect(database).close()  # exists, never migrated
    app, _ = instance(settings, database_url=f"sqlite:///{database}")
    _, before = await app.asgi_client.get("/readyz")
    await upgrade_to_head_async(f"sqlite:///{database}")
    _, after = await app.asgi_client.get("/readyz")
    assert before.status == 503
    assert (before.json["database"], before.json["migrations"], before.json["down"]) == (
        "ok",
        "behind",
        ["migrations"],
    )
    assert after.status == 200, after.json


async def test_a_database_migrated_by_newer_code_is_not_served_by_older_code(
    settings: Settings, tmp_path: Path
) -> None:
    database = tmp_path / "newer.db"
    await upgrade_to_head_async(f"sqlite:///{database}")
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'fffffffffff0'")
    app, _ = instance(settings, database_url=f"sqlite:///{database}")
    _, response = await app.asgi_client.get("/readyz")
    assert response.status == 503
    assert response.json["migrations"] == "ahead"


def test_the_head_is_the_newest_migration_file() -> None:
    versions = Path(__file__).resolve().parents[2] / "backend" / "migrations" / "versions"
    assert any(path.name.startswith(head_revision()) for path in versions.glob("*.py"))


async def test_frequent_readiness_probes_cost_one_check_per_second(
    app, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readiness, "CACHE_SECONDS", 60.0)
    rasa = FakeRasa().install(app)
    checks: list[str] = []
    answer = rasa.handler
    app.ctx.rasa_transport = httpx.MockTransport(
        lambda request: checks.append(request.url.path) or answer(request)
    )
    statuses = [(await app.asgi_client.get("/readyz"))[1].status for _ in range(2)]
    assert statuses == [200, 200]
    assert checks == ["/webhooks/gateway/health"]


async def test_the_worker_process_answers_readyz_too(settings: Settings) -> None:
    worker = create_app(settings, name=f"readyz_worker_{time.monotonic_ns()}", worker=True)
    rasa = FakeRasa().install(worker)
    rasa.healthy = False
    _, response = await worker.asgi_client.get("/readyz")
    assert response.status == 503
    assert response.json["down"] == ["rasa"]  # its SMS and Telegram turns need Rasa
