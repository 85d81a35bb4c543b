"""An ASGI test client that starts the application once, as a real instance does.

sanic-testing's `app.asgi_client` runs the whole server start and stop around every request: the
database engine, the register seeding, the demo accounts (an argon2 hash), the provider clients. That
is most of a backend test's time and not what production does. This client runs the start on the
first request and the stop when the test ends (`stop()`, called by the `app` fixture).
"""

from __future__ import annotations

from typing import Any

import httpx
from sanic import Sanic
from sanic_testing.testing import ASGI_HOST, ASGI_PORT, SanicASGITestClient, TestingResponse


class StartOnceClient(SanicASGITestClient):
    def __init__(self, app: Sanic) -> None:
        super().__init__(app)
        self.started = False

    async def request(  # type: ignore[override]
        self, method: str, url: str, gather_request: bool = True, *args: Any, **kwargs: Any
    ) -> tuple[Any, TestingResponse]:
        app = self.sanic_app
        if not self.started:
            app.router.reset()
            app.signal_router.reset()
            await app._startup()
            await app._server_event("init", "before")
            await app._server_event("init", "after")
            self.started = True
            for route in app.router.routes:
                route.extra.request_middleware.appendleft(self._collect_request)
            app.request_middleware.appendleft(self._collect_request)
        if not url.startswith(("http:", "https:", "//")):
            url = f"http://{ASGI_HOST}:{ASGI_PORT}{url if url.startswith('/') else '/' + url}"
        self.gather_request = gather_request
        response = await httpx.AsyncClient.request(self, method, url, *args, **kwargs)
        response.__class__ = TestingResponse
        return (self.last_request if gather_request else None), response  # type: ignore[return-value]

    async def stop(self) -> None:
        if self.started:
            self.started = False
            await self.sanic_app._server_event("shutdown", "before")
            await self.sanic_app._server_event("shutdown", "after")


def start_once_client(app: Sanic) -> StartOnceClient:
    """Make `app.asgi_client` a client that starts the application once; returns it."""
    client = StartOnceClient(app)
    app._asgi_client = client
    return client
