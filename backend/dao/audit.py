"""The audit log table. Never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit_chain import append
from backend.models.audit import AuditEntry


async def dao_create_audit_entry(db: AsyncSession, entry: AuditEntry) -> AuditEntry:
    """The entry is chained and inserted when the session's transaction commits (backend/audit_chain.py)."""
    return append(db, entry)


async def dao_get_audit_entries(
    db: AsyncSession, *, person_cpr: str | None = None, action: str | None = None
) -> Sequence[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.id)
    if person_cpr is not None:
        query = query.where(AuditEntry.person_cpr == person_cpr)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return (await db.execute(query)).scalars().all()
