"""The action server (bot/action_server.py) runs actions only for callers with the internal secret."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sanic import Sanic

from bot import action_server
from scripts.ports import free_port

SECRET = "action-server-test-secret"
CALL = {
    "next_action": "action_stop_application",
    "sender_id": "conversation-1",
    "tracker": {"sender_id": "conversation-1", "slots": {}, "latest_message": {}, "events": []},
    "domain": {},
    "version": "3.6.2",
}


@asynccontextmanager
async def serve(secret: str) -> AsyncIterator[httpx.AsyncClient]:
    Sanic.test_mode = True  # several apps named "rasa_sdk" in one process (see tests/bot/conftest.py)
    app = action_server.create_app("actions", secret=secret)
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.close()
        await server.wait_closed()
        Sanic._app_registry.pop("rasa_sdk", None)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": SECRET}, {"Authorization": f"Basic {SECRET}"}],
)
async def test_a_call_without_the_internal_secret_is_refused_and_runs_no_action(
    headers: dict[str, str],
) -> None:
    async with serve(SECRET) as client:
        webhook = await client.post("/webhook", json=CALL, headers=headers)
        listing = await client.get("/actions", headers=headers)
    assert webhook.status_code == 401 and webhook.json() == {"error": "unauthorized"}
    assert listing.status_code == 401


async def test_with_the_secret_the_action_runs() -> None:
    async with serve(SECRET) as client:
        answer = await client.post("/webhook", json=CALL, headers={"Authorization": f"Bearer {SECRET}"})
    assert answer.status_code == 200
    assert [r["response"] for r in answer.json()["responses"]] == ["utter_application_not_sent"]


@pytest.mark.parametrize("header", ["Bearer", "Bearer anything"])
async def test_an_empty_configured_secret_refuses_every_call(header: str) -> None:
    async with serve("") as client:
        answer = await client.post("/webhook", json=CALL, headers={"Authorization": header})
    assert answer.status_code == 401


async def test_the_health_check_needs_no_secret() -> None:
    async with serve(SECRET) as client:
        assert (await client.get("/health")).status_code == 200


def test_it_listens_on_loopback_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SANIC_HOST", raising=False)
    assert action_server.listen_host() == "127.0.0.1"
    monkeypatch.setenv("SANIC_HOST", "127.0.0.2")
    assert action_server.listen_host() == "127.0.0.2"
