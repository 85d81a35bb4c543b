"""Audit log: every caseworker access to personal data and every binding of a channel to a person.

Entries form a hash chain (backend/audit_chain.py): each carries the hash of the one before it, and
`audit_chain_head` holds the newest link, so an edited, deleted or inserted entry is detected.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class AuditEntry(Base):
    """One audited act. Written only by the chain when the transaction commits; never updated; deleted
    only oldest-first by the purge, which records an anchor entry (on PostgreSQL a trigger refuses
    every other UPDATE and DELETE, and the application's role may only SELECT and INSERT)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)  # consecutive, assigned under the chain's lock
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))  # "caseworker:3", "citizen", "cli", "system"
    action: Mapped[str] = mapped_column(String(60))
    person_cpr: Mapped[str | None] = mapped_column(String(10), index=True)
    application_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    details: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))  # the previous entry's `hash`
    hash: Mapped[str] = mapped_column(String(64))  # SHA-256 of this entry's fields and prev_hash


class AuditChainHead(Base):
    """The one row (id 1) naming the newest entry of the chain. Writers lock it to append, so two
    transactions never chain onto the same entry; `purge_up_to` is the highest id the purge may delete
    (the trigger on audit_log reads it); `min_retention_days`, written by `inissiaq db grant`, is how
    young an entry the purge function may never delete. On PostgreSQL the application's role may update
    only `last_id` and `last_hash` (backend/migrations/roles.py)."""

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    purge_up_to: Mapped[int] = mapped_column(BigInteger, default=0)
    min_retention_days: Mapped[int | None]
