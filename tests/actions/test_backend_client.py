from __future__ import annotations

import asyncio

import httpx
import pytest

from actions import backend_client
from actions.backend_client import BackendClient, BackendUnavailable
from tests.actions.conftest import SECRET, FakeBackend


async def test_every_call_carries_the_bearer_secret_and_the_conversation_id_as_one_segment(
    backend: FakeBackend,
) -> None:
    backend.answer("GET", "/internal/conversations/a%2Fb/status", body={"status": "none"})
    reply = await BackendClient.from_env().status("a/b")
    assert reply.body == {"status": "none"}
    [request] = backend.requests
    assert request.headers["Authorization"] == f"Bearer {SECRET}"
    assert request.url.raw_path == b"/internal/conversations/a%2Fb/status"


@pytest.mark.parametrize("status", [500, 502, 503, 404])
async def test_server_errors_and_unknown_routes_count_as_unavailable(
    backend: FakeBackend, status: int
) -> None:
    backend.answer("POST", "/internal/conversations/c/draft", status=status, body={"error": "x"})
    with pytest.raises(BackendUnavailable):
        await BackendClient.from_env().create_draft("c")


async def test_a_refused_connection_counts_as_unavailable(backend: FakeBackend) -> None:
    backend.down = True
    with pytest.raises(BackendUnavailable):
        await BackendClient.from_env().create_draft("c")


async def test_an_answer_that_is_not_json_counts_as_unavailable(backend: FakeBackend) -> None:
    backend.routes[("GET", "/internal/conversations/c/status")] = lambda _r: httpx.Response(
        200, text="<html>"
    )
    with pytest.raises(BackendUnavailable):
        await BackendClient.from_env().status("c")


async def test_a_slow_backend_times_out_after_the_configured_seconds(
    backend: FakeBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    class SlowTransport(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            # MockTransport does not apply timeouts; emulate the client's read timeout honestly.
            try:
                return await asyncio.wait_for(slow(request), request.extensions["timeout"]["read"])
            except asyncio.TimeoutError as error:
                raise httpx.ReadTimeout("timed out", request=request) from error

    monkeypatch.setenv("BACKEND_TIMEOUT_SECONDS", "0.2")
    monkeypatch.setattr(backend_client, "transport", SlowTransport())
    client = BackendClient.from_env()
    assert client.timeout == 0.2
    with pytest.raises(BackendUnavailable):
        await client.status("c")


def test_the_timeout_defaults_to_four_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BACKEND_TIMEOUT_SECONDS", raising=False)
    assert BackendClient.from_env().timeout == 4.0
