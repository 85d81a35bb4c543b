"""The audit log's hash chain: appending under one lock, verifying, and purging the oldest entries.

Each entry's `hash` is the SHA-256 of a canonical JSON of its fields and `prev_hash` (the hash of the
entry before it; GENESIS for the first). The entries a transaction records are chained when it
commits (a `before_commit` listener): first everything else is flushed, then the one row of
`audit_chain_head` is locked (an UPDATE: a row lock on PostgreSQL, the single writer's lock on
SQLite), the entries get the next consecutive ids and their hashes, and the head moves on. So two
transactions, on any instance, never chain onto the same entry, and the chain's lock is the last lock
a transaction takes and is held only while it commits.

The purge deletes a prefix of the oldest entries and records an anchor entry (PURGE_ACTION, naming
the last deleted id and its hash); verification starts from that anchor. Anything else that removes,
changes or adds an entry breaks a link that `verify` reports. On PostgreSQL the application's role
may only read and append (backend/migrations/roles.py); it purges through the owner's function.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, bindparam, delete, event, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, SessionTransaction

from backend.models.audit import AuditChainHead, AuditEntry

GENESIS = "0" * 64
PURGE_ACTION = "audit_log_purged"
HEAD_ID = 1
_PENDING = "inissiaq_audit_pending"
_SAVEPOINTS = "inissiaq_audit_savepoints"
_HEAD = AuditChainHead.__table__


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def canonical(fields: Mapping[str, Any]) -> bytes:
    """The bytes an entry's hash covers. Changing this format breaks every existing chain."""
    document = {
        "id": int(fields["id"]),
        "at": _as_utc(fields["at"]).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor": fields["actor"],
        "action": fields["action"],
        "person_cpr": fields["person_cpr"],
        "application_reference": fields["application_reference"],
        "details": fields["details"],
        "prev_hash": fields["prev_hash"],
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def entry_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def _fields(entry: AuditEntry) -> dict[str, Any]:
    return {column.key: getattr(entry, column.key) for column in AuditEntry.__table__.columns}


# --- appending ---------------------------------------------------------------------------------


def append(db: AsyncSession, entry: AuditEntry) -> AuditEntry:
    """Hold the entry until the session's transaction commits; it is chained and inserted then (and
    dropped with a rollback, or with the rollback of the savepoint it was recorded in)."""
    if not db.sync_session.in_transaction():
        db.sync_session.begin()  # so that a rollback before any query also drops the entry
    db.info.setdefault(_PENDING, []).append(entry)
    return entry


@event.listens_for(Session, "after_transaction_create")
def _remember_savepoint(session: Session, transaction: SessionTransaction) -> None:
    if transaction.nested:
        session.info.setdefault(_SAVEPOINTS, {})[id(transaction)] = len(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_soft_rollback")
def _forget_savepoint_entries(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.nested:
        mark = session.info.get(_SAVEPOINTS, {}).pop(id(previous_transaction), None)
        if mark is not None and _PENDING in session.info:
            del session.info[_PENDING][mark:]


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
        session.info.pop(_SAVEPOINTS, None)


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    session.flush()  # every other row lock first: the chain's lock is the transaction's last
    pending: list[AuditEntry] = session.info.pop(_PENDING)
    last_id, last_hash = _lock_head(session)
    now = datetime.now(UTC)
    for entry in pending:
        entry.id = last_id + 1
        entry.at = _as_utc(entry.at) if entry.at is not None else now
        entry.details = None if entry.details is None else json.loads(json.dumps(entry.details))
        entry.prev_hash = last_hash
        entry.hash = entry_hash(_fields(entry))
        session.add(entry)
        last_id, last_hash = entry.id, entry.hash
    session.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(last_id=last_id, last_hash=last_hash))


def _lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain head (created on first use) and return the newest entry's id and hash."""
    touch = (
        update(_HEAD)
        .where(_HEAD.c.id == HEAD_ID)
        .values(last_id=_HEAD.c.last_id)
        .returning(_HEAD.c.last_id, _HEAD.c.last_hash)
    )
    row = session.execute(touch).first()
    if row is None:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(_HEAD)
            .values(id=HEAD_ID, last_id=0, last_hash=GENESIS, purge_up_to=0)
            .on_conflict_do_nothing()
        )
        row = session.execute(touch).one()
    return int(row[0]), str(row[1])


# --- purging -----------------------------------------------------------------------------------


async def purge_before(db: AsyncSession, cutoff: datetime) -> int:
    """Delete the oldest entries older than `cutoff`, as one unbroken prefix (an entry is kept if any
    entry before it is newer), and record the anchor that verification starts from. The caller
    commits; do this last in a transaction, since it holds the chain head until the commit.

    On PostgreSQL the owner's function `audit_log_purge` deletes (the application's role may not), and
    keeps every entry younger than the floor `inissiaq db grant` recorded, whatever the cutoff."""
    if db.get_bind().dialect.name == "postgresql":
        purged = (
            await db.execute(
                text("SELECT up_to_id, up_to_hash, deleted FROM audit_log_purge(:cutoff)").bindparams(
                    bindparam("cutoff", type_=DateTime(timezone=True))
                ),
                {"cutoff": cutoff},
            )
        ).first()
        if purged is None:
            return 0
        up_to_id, up_to_hash, deleted = int(purged[0]), str(purged[1]), int(purged[2])
    else:
        found = await _purge_prefix(db, cutoff)
        if found is None:
            return 0
        up_to_id, up_to_hash, deleted = found
    append(
        db,
        AuditEntry(
            actor="system",
            action=PURGE_ACTION,
            details={"up_to_id": up_to_id, "up_to_hash": up_to_hash, "deleted": deleted},
        ),
    )
    return deleted


async def _purge_prefix(db: AsyncSession, cutoff: datetime) -> tuple[int, str, int] | None:
    """SQLite (development): what audit_log_purge does on PostgreSQL, without the floor."""
    first_kept = (await db.execute(select(func.min(AuditEntry.id)).where(AuditEntry.at >= cutoff))).scalar()
    last_query = select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
    if first_kept is not None:
        last_query = last_query.where(AuditEntry.id < first_kept)
    last = (await db.execute(last_query)).first()
    if last is None:
        return None
    up_to_id, up_to_hash = int(last[0]), str(last[1])
    await db.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID).values(purge_up_to=up_to_id))
    deleted = (await db.execute(delete(AuditEntry).where(AuditEntry.id <= up_to_id))).rowcount
    return up_to_id, up_to_hash, int(deleted)


# --- verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """The outcome of `verify`: intact, or the first broken entry's id and what is wrong with it."""

    entries: int
    head_id: int
    head_hash: str
    broken_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None


async def _head(db: AsyncSession) -> tuple[int, str] | None:
    row = (await db.execute(select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == HEAD_ID))).first()
    return (int(row[0]), str(row[1])) if row else None


async def verify(db: AsyncSession) -> Verification:
    """Walk the whole log in id order and check every hash, every link, the start (the chain's first
    entry or a purge anchor) and the end (the chain head). Reads only."""
    head_before = await _head(db)
    anchors: dict[str, int] = {}  # up_to_hash -> up_to_id, from the purge anchors met on the way
    first: Mapping[str, Any] | None = None
    previous: Mapping[str, Any] | None = None
    count = 0
    broken: tuple[int, str] | None = None
    beyond_head: list[int] = []
    result = await db.stream(
        select(AuditEntry.__table__).order_by(AuditEntry.id).execution_options(yield_per=500)
    )
    async for row in result.mappings():
        count += 1
        entry_id = int(row["id"])
        if broken is None:
            broken = _check(row, previous, head_before)
        if row["action"] == PURGE_ACTION and isinstance(row["details"], dict):
            anchors[str(row["details"].get("up_to_hash"))] = int(row["details"].get("up_to_id") or 0)
        if head_before is None or entry_id > head_before[0]:
            beyond_head.append(entry_id)
        if first is None:
            first = row
        previous = row
    head_after = await _head(db)
    last_id, last_hash = head_after or (0, GENESIS)
    problems = [broken] if broken is not None else []
    if first is not None and first["prev_hash"] != GENESIS and first["prev_hash"] not in anchors:
        earlier = [up_to for up_to in anchors.values() if up_to < int(first["id"])]
        problems.append(
            (
                max(earlier, default=0) + 1,
                f"deleted: the entries before {first['id']} are missing and no purge recorded their removal",
            )
        )
    if (
        head_before is not None
        and head_before[0] > 0
        and (previous is None or int(previous["id"]) < head_before[0])
    ):
        start = int(previous["id"]) + 1 if previous is not None else 1
        problems.append(
            (start, f"deleted: the chain head names entry {head_before[0]}, the log ends before it")
        )
    inserted = [entry_id for entry_id in beyond_head if entry_id > last_id]
    if inserted:
        problems.append((inserted[0], "inserted: it lies beyond the chain head"))
    if not problems:
        return Verification(entries=count, head_id=last_id, head_hash=last_hash)
    broken_id, problem = min(problems)
    return Verification(
        entries=count, head_id=last_id, head_hash=last_hash, broken_id=broken_id, problem=problem
    )


def _check(
    row: Mapping[str, Any], previous: Mapping[str, Any] | None, head: tuple[int, str] | None
) -> tuple[int, str] | None:
    """The first problem of one entry, given the entry before it."""
    entry_id = int(row["id"])
    if entry_hash(row) != row["hash"]:
        return entry_id, "changed: its contents do not match its hash"
    if previous is not None and row["prev_hash"] != previous["hash"]:
        previous_id = int(previous["id"])
        if entry_id > previous_id + 1:
            return previous_id + 1, f"deleted: missing between entries {previous_id} and {entry_id}"
        return (
            previous_id,
            f"changed or replaced: entry {entry_id} was chained onto a different entry {previous_id}",
        )
    if head is not None and entry_id == head[0] and row["hash"] != head[1]:
        return entry_id, "changed: its hash is not the one the chain head recorded"
    return None
