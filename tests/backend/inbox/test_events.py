"""The inbox's server-sent events: counts only, from the database (any instance's writes count)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.inbox import events, live
from backend.messaging.service import citizen_writes
from tests.backend.applications.factories import AVIAJA, KARIN, create_conversation
from tests.backend.inbox.factories import create_caseworker, log_in
from tests.backend.inbox.test_applications import _submitted


async def test_new_applications_messages_and_handoffs_become_events_with_counts_only(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings
) -> None:
    before = await events.marks(sessions)
    assert events.changes(before, await events.marks(sessions)) == []
    await _submitted(db, settings, AVIAJA)
    await citizen_writes(db, AVIAJA, "Hej kommune")
    conversation = await create_conversation(db, cpr=KARIN)
    await live.request_handoff(db, conversation.id)
    found = events.changes(before, await events.marks(sessions))
    assert found == [("application", {"new": 1}), ("message", {"new": 1}), ("live", {"conversations": 1})]


async def test_the_stream_sends_an_event_when_an_application_arrives(app, db: AsyncSession, settings) -> None:
    await create_caseworker(db)
    session = await log_in(app)

    async def later() -> None:
        await asyncio.sleep(0.5)
        await _submitted(db, settings, AVIAJA)

    (_, response), _ = await asyncio.gather(
        app.asgi_client.get(
            "/api/caseworker/events", params={"max_events": "1"}, headers=session.cookie_only
        ),
        later(),
    )
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert 'event: application\ndata: {"new": 1}' in response.text
    assert AVIAJA not in response.text and "Aviaja" not in response.text


async def test_the_stream_needs_a_caseworker_session(app) -> None:
    _, response = await app.asgi_client.get("/api/caseworker/events", params={"max_events": "1"})
    assert response.status == 401
