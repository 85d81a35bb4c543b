"""Rasa-side tests: the gateway blueprint served by a real Sanic server on a free loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Sanic

from scripts.ports import free_port

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@asynccontextmanager
async def serve(channel: InputChannel, on_new_message: OnNewMessage, agent: Any = None) -> AsyncIterator[str]:
    """Mount the channel like Rasa does (under /webhooks/<name>) and yield the server's base URL."""
    # Sanic 21.12 rewrites some of its own methods at startup ("touchup"); in test mode it keeps the
    # originals, so several servers can start in one process (sanic-testing does the same).
    Sanic.test_mode = True
    app = Sanic(f"gateway_test_{free_port()}")
    app.blueprint(channel.blueprint(on_new_message), url_prefix=f"/webhooks/{channel.name()}")
    app.ctx.agent = agent
    port = free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True)
    assert server is not None
    await server.startup()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()
