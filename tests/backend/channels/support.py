"""A fake Rasa (an httpx transport put on app.ctx before start-up) and a cookie-explicit web client."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import httpx
from sanic import Sanic

from backend.auth.sessions import COOKIE

Reply = Callable[[dict[str, Any]], "httpx.Response | list[dict[str, Any]]"]


def echo(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "recipient_id": body["sender"],
            "text": f"echo: {body['message']}",
            "buttons": [{"title": "Yes", "payload": "/affirm"}],
        }
    ]


@dataclass
class FakeRasa:
    """Answers the gateway webhook with `reply(body)` and records every request."""

    reply: Reply = echo
    requests: list[httpx.Request] = field(default_factory=list)
    healthy: bool = True

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.url.path == "/webhooks/gateway/webhook"]

    @property
    def messages(self) -> list[str]:
        return [b["message"] for b in self.bodies]

    def handler(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/webhooks/gateway/health":
            return httpx.Response(200 if self.healthy else 503, json={"status": "ok"})
        self.requests.append(request)
        answer = self.reply(json.loads(request.content))
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    def install(self, app: Sanic) -> FakeRasa:
        app.ctx.rasa_transport = httpx.MockTransport(self.handler)
        return self


def down(body: dict[str, Any]) -> httpx.Response:
    raise httpx.ConnectError("connection refused")


@dataclass
class Browser:
    """One browser: keeps its own session cookie (the test client's shared jar is cleared each time)."""

    app: Sanic
    token: str | None = None
    last_set_cookie: str | None = None

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        client = self.app.asgi_client
        client.cookies.clear()
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token is not None:
            headers["Cookie"] = f"{COOKIE}={self.token}"
        _, response = await client.request(method, path, headers=headers, follow_redirects=False, **kwargs)
        client.cookies.clear()
        self.last_set_cookie = None
        for header in response.headers.get_list("set-cookie"):
            cookie = SimpleCookie(header)
            if COOKIE in cookie:
                self.last_set_cookie = header
                self.token = cookie[COOKIE].value or None
        return response

    async def say(self, text: str, **extra: Any) -> Any:
        return await self.request("POST", "/api/chat/messages", json={"text": text, **extra})

    async def history(self) -> Any:
        return await self.request("GET", "/api/chat/history")

    async def login(self, cpr: str) -> Any:
        return await self.request("POST", "/auth/dev/login", json={"cpr": cpr})
