"""Action tests: a tracker built inline, a CollectingDispatcher, and the backend faked at the HTTP
level (an httpx.MockTransport that records every request), so the real client code runs."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import backend_client

SECRET = "test-secret"
BACKEND = "http://backend.test"
CONVERSATION = "conv-123"

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class FakeBackend:
    """Answers by (method, path); records what the actions sent."""

    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    down: bool = False

    def answer(self, method: str, path: str, status: int = 200, body: Any = None) -> None:
        self.routes[(method, path)] = lambda _request: httpx.Response(status, json=body)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        handler = self.routes.get((request.method, request.url.raw_path.decode().split("?")[0]))
        if handler is None:
            return httpx.Response(404, json={"error": "not_found"})
        return handler(request)

    def sent(self) -> list[tuple[str, str, Any]]:
        return [(r.method, r.url.path, json.loads(r.content) if r.content else None) for r in self.requests]


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBackend]:
    fake = FakeBackend()
    monkeypatch.setenv("BACKEND_URL", BACKEND)
    monkeypatch.setenv("INISSIAQ_INTERNAL_SECRET", SECRET)
    monkeypatch.setattr(backend_client, "transport", httpx.MockTransport(fake.handle))
    yield fake


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


def make_tracker(
    slots: dict[str, Any] | None = None,
    *,
    intent: str = "affirm",
    text: str = "",
    entities: list[dict[str, Any]] | None = None,
    events: list[dict[str, Any]] | None = None,
    active_loop: str | None = None,
    sender_id: str = CONVERSATION,
) -> Tracker:
    latest = {"intent": {"name": intent, "confidence": 1.0}, "entities": entities or [], "text": text}
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [message["response"] for message in dispatcher.messages]


def slot_events(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
