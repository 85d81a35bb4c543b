"""Server-sent events for the inbox: new applications, citizens' messages and live conversations.

Each stream polls the database (a few cheap aggregates) rather than an in-process pub/sub, so it
sees what any backend instance wrote. Events carry counts only, no personal data.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

from sanic import Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.models.applications import Application
from backend.models.conversations import Conversation
from backend.models.messaging import SecureMessage
from backend.models.states import CONVERSATION_WITH_PEOPLE

POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 15.0


@dataclass(frozen=True)
class Marks:
    last_application: int
    last_citizen_message: int
    waiting: int
    live_changed: str


async def marks(sessions: async_sessionmaker[AsyncSession]) -> Marks:
    async with sessions() as db:
        last_application = (await db.execute(select(func.coalesce(func.max(Application.id), 0)))).scalar_one()
        last_message = (
            await db.execute(
                select(func.coalesce(func.max(SecureMessage.id), 0)).where(SecureMessage.sender == "citizen")
            )
        ).scalar_one()
        waiting, changed = (
            await db.execute(
                select(func.count(), func.max(Conversation.updated_at)).where(
                    Conversation.owner.in_(CONVERSATION_WITH_PEOPLE)
                )
            )
        ).one()
    return Marks(int(last_application), int(last_message), int(waiting), str(changed))


def changes(before: Marks, after: Marks) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if after.last_application > before.last_application:
        found.append(("application", {"new": after.last_application - before.last_application}))
    if after.last_citizen_message > before.last_citizen_message:
        found.append(("message", {"new": after.last_citizen_message - before.last_citizen_message}))
    if (after.waiting, after.live_changed) != (before.waiting, before.live_changed):
        found.append(("live", {"conversations": after.waiting}))
    return found


async def stream(request: Request, *, max_events: int | None = None) -> None:
    sessions = request.app.ctx.sessions
    response = await request.respond(
        content_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
    current = await marks(sessions)
    await response.send(": connected\n\n")
    sent, last_write = 0, time.monotonic()
    while max_events is None or sent < max_events:
        await asyncio.sleep(POLL_SECONDS)
        latest = await marks(sessions)
        for kind, data in changes(current, latest):
            await response.send(f"event: {kind}\ndata: {json.dumps(data)}\n\n")
            sent += 1
            last_write = time.monotonic()
        current = latest
        if time.monotonic() - last_write > HEARTBEAT_SECONDS:
            await response.send(": keep-alive\n\n")
            last_write = time.monotonic()
    await response.eof()
