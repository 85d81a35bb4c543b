"""The daily purge against the running product: a real web conversation makes Rasa write its events;
once that conversation is older than CONVERSATION_RETENTION_DAYS, `inissiaq purge` (with the stack's
own settings) deletes its events from Rasa's tracker store and its rows from the backend, and keeps a
fresh conversation's.

The test's clock: only this test's old conversation is moved back (its backend rows and its Rasa
events, by SQL), so the purge finds nothing else of the shared stack past a period.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from scripts.stack import Stack
from tests.conftest import Citizen, backend_rows, inissiaq, until

pytestmark = pytest.mark.e2e

PAST_THE_PERIOD_DAYS = 40  # CONVERSATION_RETENTION_DAYS is 30 by default


def tracker_rows(stack: Stack, query: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of Rasa's tracker store (its own database on the same server), named by the RASA_TRACKER_*
    settings every process of the stack reads."""
    env = stack.env()
    assert env["RASA_TRACKER_DIALECT"] == "postgresql"

    async def fetch() -> list[dict[str, Any]]:
        connection = await asyncpg.connect(
            host=env["RASA_TRACKER_URL"],
            port=int(env["RASA_TRACKER_PORT"]),
            database=env["RASA_TRACKER_DB"],
            user=env["RASA_TRACKER_USERNAME"],
            password=env["RASA_TRACKER_PASSWORD"] or None,
        )
        try:
            return [dict(row) for row in await connection.fetch(query, *args)]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def converse(citizen: Citizen, text: str) -> str:
    """One turn of the web chat; the conversation's id (Rasa's sender id)."""
    response = citizen.client.post("/api/chat/messages", json={"text": text, "language": "da"})
    assert response.status_code == 200, response.text
    assert response.json()["messages"]
    return str(response.json()["conversation_id"])


def event_count(stack: Stack, sender_id: str) -> int:
    [row] = tracker_rows(stack, "SELECT count(*) AS n FROM events WHERE sender_id = $1", sender_id)
    return int(row["n"])


def backdate(stack: Stack, conversation_id: str, days: int) -> None:
    """Move one conversation `days` back: its row, transcript and browser session in the backend, its
    events in Rasa's store."""
    shift = timedelta(days=days)
    for query in (
        "UPDATE conversations SET created_at = created_at - $2::interval,"
        " updated_at = updated_at - $2::interval WHERE id = $1 RETURNING id",
        "UPDATE chat_messages SET created_at = created_at - $2::interval WHERE conversation_id = $1 RETURNING id",
        "UPDATE web_sessions SET created_at = created_at - $2::interval,"
        " expires_at = expires_at - $2::interval WHERE conversation_id = $1 RETURNING conversation_id",
    ):
        assert backend_rows(stack, query, conversation_id, shift)
    moved = tracker_rows(
        stack,
        "UPDATE events SET timestamp = timestamp - $2 WHERE sender_id = $1 RETURNING id",
        conversation_id,
        days * 86400.0,
    )
    assert moved


def test_the_purge_deletes_rasas_events_and_the_transcript_of_a_conversation_past_its_period_and_keeps_a_fresh_one(
    stack: Stack,
) -> None:
    old, fresh = Citizen(stack), Citizen(stack)
    try:
        old_id = converse(old, "Hvad er boligsikring?")
        assert converse(old, "Hvor meget kan jeg få?") == old_id
        fresh_id = converse(fresh, "Hvad er boligsikring?")
    finally:
        old.close()
        fresh.close()
    assert old_id != fresh_id
    # Rasa saved both trackers (the citizen's words and its answers) in its SQL tracker store.
    until(lambda: event_count(stack, old_id) and event_count(stack, fresh_id), what="Rasa's events")
    user_texts = tracker_rows(
        stack, "SELECT data FROM events WHERE sender_id = $1 AND type_name = 'user'", old_id
    )
    assert any("Hvor meget kan jeg" in row["data"] for row in user_texts)
    fresh_events = event_count(stack, fresh_id)
    assert backend_rows(stack, "SELECT id FROM chat_messages WHERE conversation_id = $1", old_id)

    backdate(stack, old_id, PAST_THE_PERIOD_DAYS)
    printed = dict(line.split() for line in inissiaq(stack, "purge").strip().splitlines())

    assert event_count(stack, old_id) == 0
    assert event_count(stack, fresh_id) == fresh_events
    assert int(printed["rasa_events"]) >= 1
    assert int(printed["conversations"]) >= 1
    for table, column in (
        ("conversations", "id"),
        ("chat_messages", "conversation_id"),
        ("web_sessions", "conversation_id"),
    ):
        query = f"SELECT {column} FROM {table} WHERE {column} = $1"  # noqa: S608 (names from this test)
        assert backend_rows(stack, query, old_id) == [], table
        assert backend_rows(stack, query, fresh_id), table
