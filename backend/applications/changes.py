"""The feed of new and changed applications that case systems poll (`GET .../applications/feed`) or
receive as webhooks.

Every change gets the next id from the one row of `application_feed_head`, updated in the changing
transaction: the row stays locked until that transaction commits or rolls back, so a second
transaction waits for it and gets a larger id only after the first one is visible (on PostgreSQL a
row lock, on SQLite the single writer's lock). Ids therefore become visible in order and without
gaps, and a poller that asks for "everything after id N" never misses a change committed late nor
sees one twice. The lock is held from `record_change` to the commit: call it last, just before
committing (the audit chain's lock, taken at commit, always comes after it).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db import upsert_insert
from backend.errors import InvalidInput
from backend.models.applications import Application
from backend.models.machine_clients import ApplicationChange, ApplicationFeedHead
from backend.models.states import ApplicationStatus

HEAD_ID = 1
# submitted: a new application; status: received and other status changes; decision; assignment;
# taken_over; corrections: the facts or the citizen's corrections changed.
CHANGE_KINDS = ("submitted", "status", "decision", "assignment", "taken_over", "corrections")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
_CURSOR_PREFIX = "c1:"


async def _next_id(db: AsyncSession) -> int:
    """Lock the feed head (created on first use) and take the next id."""
    table = ApplicationFeedHead.__table__
    bump = (
        update(table)
        .where(table.c.id == HEAD_ID)
        .values(last_id=table.c.last_id + 1)
        .returning(table.c.last_id)
    )
    row = (await db.execute(bump)).first()
    if row is None:
        await db.execute(
            upsert_insert(db, ApplicationFeedHead).values(id=HEAD_ID, last_id=0).on_conflict_do_nothing()
        )
        row = (await db.execute(bump)).one()
    return int(row[0])


def kind_for(application: Application) -> str:
    """The change kind a status change stands for: decision, taken_over or status."""
    if application.status == ApplicationStatus.DECIDED:
        return "decision"
    return "taken_over" if application.status == ApplicationStatus.TAKEN_OVER else "status"


async def record_change(
    db: AsyncSession, application: Application, kind: str | None = None
) -> ApplicationChange:
    """Record that `application` is new or changed in the caller's transaction, and queue a webhook
    delivery for every client that has one. `kind` is one of CHANGE_KINDS; without it, the kind of
    a status change (`kind_for`). Flushed, not committed: the caller commits right after (the feed's
    lock is held until then)."""
    kind = kind or kind_for(application)
    if kind not in CHANGE_KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    await db.flush()  # the application's id and state, and every other row lock, before the feed's
    change = ApplicationChange(
        id=await _next_id(db),
        application_id=application.id,
        reference=application.reference,
        kind=kind,
        status=application.status,
        changed_at=datetime.now(UTC),
    )
    db.add(change)
    await db.flush()
    from backend.machine.webhooks import queue_deliveries  # the machine clients build on this module

    await queue_deliveries(db, change)
    return change


# --- reading -----------------------------------------------------------------------------------


def encode_cursor(change_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{change_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The last change id a cursor stands for; an empty or missing cursor is the feed's start."""
    if not cursor:
        return 0
    if len(cursor) > 64:
        raise InvalidInput("invalid cursor", code="invalid_cursor")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor", code="invalid_cursor") from exc
    number = text[len(_CURSOR_PREFIX) :]
    if not text.startswith(_CURSOR_PREFIX) or not number.isdigit() or len(number) > 18:
        raise InvalidInput("invalid cursor", code="invalid_cursor")
    return int(number)


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidInput(f"limit must be a number from 1 to {MAX_LIMIT}")
    return int(raw)


def change_record(change: ApplicationChange) -> dict[str, Any]:
    """A feed item: no personal data beyond the application's reference (details: GET the application)."""
    moment = change.changed_at
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return {
        "cursor": encode_cursor(change.id),
        "reference": change.reference,
        "change": change.kind,
        "status": change.status,
        "changed_at": moment.isoformat(),
    }


@dataclass(frozen=True)
class FeedPage:
    changes: list[ApplicationChange]
    next_cursor: str


async def read_feed(db: AsyncSession, after: str | None, limit: int) -> FeedPage:
    """The changes after the cursor, oldest first, and the cursor to ask with next time (the same one
    when nothing is new)."""
    last = decode_cursor(after)
    result = await db.execute(
        select(ApplicationChange)
        .where(ApplicationChange.id > last)
        .order_by(ApplicationChange.id)
        .limit(limit)
    )
    changes = list(result.scalars().all())
    return FeedPage(changes, encode_cursor(changes[-1].id if changes else last))
