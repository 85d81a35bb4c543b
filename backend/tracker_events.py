"""Rasa's tracker store, read and pruned from the backend by SQL.

Rasa keeps every turn of a conversation (the citizen's text, the slots, the bot's answers) as rows of
its own `events` table (rasa.core.tracker_store.SQLTrackerStore: id, sender_id, type_name, timestamp,
intent_name, action_name, data), in the database named by the RASA_TRACKER_* settings that Rasa reads
too (RASA_TRACKER_URL in settings). `sender_id` is our conversation id. No table yet (Rasa never ran
against that database): nothing to read or delete.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, delete, inspect, select
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.config import Settings, async_database_url
from backend.db import create_engine

BATCH = 500
events = Table(
    "events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


@asynccontextmanager
async def tracker_connection(settings: Settings) -> AsyncIterator[AsyncConnection | None]:
    """A transaction on the tracker store's database; None when it has no `events` table."""
    url = str.__str__(settings.rasa_tracker_url)
    if not url or not _sqlite_file_present(url):
        yield None
        return
    engine = create_engine(async_database_url(url))
    try:
        async with engine.begin() as connection:
            present = await connection.run_sync(lambda sync: inspect(sync).has_table("events"))
            yield connection if present else None
    finally:
        await engine.dispose()


def _sqlite_file_present(url: str) -> bool:
    """False for a SQLite file that does not exist (connecting would create an empty one)."""
    return not url.startswith("sqlite:///") or Path(url.removeprefix("sqlite:///")).exists()


async def events_of(settings: Settings, sender_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every stored event of these conversations, oldest first, with its data decoded."""
    found: list[dict[str, Any]] = []
    async with tracker_connection(settings) as connection:
        if connection is None:
            return found
        for start in range(0, len(sender_ids), BATCH):
            rows = await connection.execute(
                select(events)
                .where(events.c.sender_id.in_(list(sender_ids[start : start + BATCH])))
                .order_by(events.c.sender_id, events.c.id)
            )
            found.extend(_event_record(row) for row in rows.mappings())
    return found


async def delete_events(settings: Settings, sender_ids: Sequence[str]) -> int:
    """Delete every event of these conversations; how many rows went."""
    deleted = 0
    async with tracker_connection(settings) as connection:
        if connection is None:
            return 0
        for start in range(0, len(sender_ids), BATCH):
            result = await connection.execute(
                delete(events).where(events.c.sender_id.in_(list(sender_ids[start : start + BATCH])))
            )
            deleted += result.rowcount
    return deleted


def _event_record(row: Any) -> dict[str, Any]:
    try:
        data = json.loads(row["data"]) if row["data"] else None
    except ValueError:
        data = row["data"]
    at = datetime.fromtimestamp(row["timestamp"], UTC).isoformat() if row["timestamp"] is not None else None
    return {
        "conversation_id": row["sender_id"],
        "type": row["type_name"],
        "at": at,
        "intent": row["intent_name"],
        "action": row["action_name"],
        "data": data,
    }
