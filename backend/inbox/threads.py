"""Secure-message threads as caseworkers see them: every thread, including those a citizen started
without an application ("talk to a caseworker" outside opening hours), newest activity first.

Listing shows names, so each person listed is audited, as the application list is.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.config import Settings
from backend.cpr import mask_cpr
from backend.errors import InvalidInput, NotFound
from backend.inbox.applications import iso
from backend.inbox.casework import audit_notes_read, notes_of_person
from backend.inbox.i18n import N_
from backend.messaging.service import caseworker_reads, contact_record
from backend.models.caseworkers import Caseworker
from backend.models.messaging import ContactPreference, SecureMessage, Thread
from backend.registers.factory import registers_for

FILTERS = ("unanswered", "all")


async def _name(db: AsyncSession, cpr: str, settings: Settings) -> str | None:
    person = await registers_for(db, settings).persons.person(cpr)
    return person.name if person else None


async def list_threads(
    db: AsyncSession, caseworker: Caseworker, settings: Settings, which: str = "unanswered"
) -> list[dict[str, Any]]:
    """Threads with at least one message. `unanswered`: the last word is the citizen's. Commits."""
    if which not in FILTERS:
        raise InvalidInput(f"filter must be one of {', '.join(FILTERS)}")
    last = (
        select(SecureMessage.thread_id, func.max(SecureMessage.id).label("last_id"))
        .group_by(SecureMessage.thread_id)
        .subquery()
    )
    unread = (
        select(SecureMessage.thread_id, func.count().label("unread"))
        .where(SecureMessage.sender == "citizen", SecureMessage.read_at.is_(None))
        .group_by(SecureMessage.thread_id)
        .subquery()
    )
    query = (
        select(Thread, SecureMessage, func.coalesce(unread.c.unread, 0))
        .join(last, last.c.thread_id == Thread.id)
        .join(SecureMessage, SecureMessage.id == last.c.last_id)
        .outerjoin(unread, unread.c.thread_id == Thread.id)
        .order_by(SecureMessage.created_at.desc(), Thread.id.desc())
    )
    if which == "unanswered":
        query = query.where(SecureMessage.sender == "citizen")
    items = []
    for thread, message, unread_count in (await db.execute(query)).all():
        items.append(
            {
                "thread_id": thread.id,
                "name": await _name(db, thread.person_cpr, settings),
                "cpr_masked": mask_cpr(thread.person_cpr),
                "application_reference": thread.application_reference,
                "last_from": message.sender,
                "last_at": iso(message.created_at),
                "unread": int(unread_count),
            }
        )
        await audit.record(
            db,
            actor=f"caseworker:{caseworker.id}",
            action="thread_listed",
            person_cpr=thread.person_cpr,
            application_reference=thread.application_reference,
        )
    await db.commit()
    return items


async def get_thread(db: AsyncSession, thread_id: int) -> Thread:
    thread = await db.get(Thread, thread_id)
    if thread is None:
        raise NotFound(N_("unknown thread"))
    return thread


async def thread_detail(
    db: AsyncSession, caseworker: Caseworker, thread_id: int, settings: Settings
) -> dict[str, Any]:
    """The thread's citizen, every message with them (their messages now read) and every journal note
    on the person (on them and on their applications). Audited; commits."""
    thread = await get_thread(db, thread_id)
    cpr = thread.person_cpr
    name = await _name(db, cpr, settings)
    preference = contact_record(await db.get(ContactPreference, cpr))
    messages = await caseworker_reads(db, caseworker_id=caseworker.id, cpr=cpr)
    notes = await notes_of_person(db, cpr)
    if notes:
        await audit_notes_read(db, caseworker, cpr, notes)
        await db.commit()
    return {
        "thread_id": thread.id,
        "name": name,
        "cpr_masked": mask_cpr(cpr),
        "application_reference": thread.application_reference,
        "contact": preference,
        "messages": messages,
        "notes": notes,
    }
