"""Record who did what to whose data. The caller's transaction carries the entry (no commit here): it is
chained onto the log and inserted when that transaction commits (backend/audit_chain.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.dao.audit import dao_create_audit_entry
from backend.models.audit import AuditEntry


async def record(
    db: AsyncSession,
    *,
    actor: str,
    action: str,
    person_cpr: str | None = None,
    application_reference: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an audit entry to the session. `actor` is e.g. "citizen", "cli", "caseworker:3", "system"."""
    return await dao_create_audit_entry(
        db,
        AuditEntry(
            actor=actor,
            action=action,
            person_cpr=person_cpr,
            application_reference=application_reference,
            details=details,
        ),
    )
