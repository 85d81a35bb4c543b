"""What caseworkers do with applications: list with flags, open the detail (audited), assign,
take over into the case system (with exports), record the decision. Status changes go through
backend/applications/status.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications import status as application_status
from backend.applications.changes import record_change
from backend.config import Settings
from backend.cpr import mask_cpr
from backend.errors import InvalidInput, NotFound
from backend.inbox.i18n import N_
from backend.messaging.service import caseworker_reads, contact_record
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.caseworkers import Caseworker
from backend.models.conversations import ChatMessage
from backend.models.messaging import ContactPreference
from backend.models.states import APPLICATION_CLOSED, ApplicationStatus
from backend.registers.factory import registers_for

FILTERS = ("new", "mine", "taken_over", "all")
# What the inbox itself may set through the status route (the decision has its own).
SETTABLE = frozenset({ApplicationStatus.RECEIVED, ApplicationStatus.TAKEN_OVER})


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()


def persons_in_household(application: Application) -> int:
    """Household size from the snapshot (the applicant is its first member); at least one."""
    return max(1, len(application.snapshot.get("household") or []))


def flags_for(application: Application, earlier_months: set[int]) -> list[str]:
    """Flags for the caseworker's attention.

    - dwelling_disputed / household_disputed: the citizen said the facts were wrong;
    - rooms_exceed_persons: more rooms than persons + 1 (the room rule of Greenland's boligsikring);
    - outside_usual_month: the person applied before, and never in this calendar month — their usual
      month(s) are the calendar months of their earlier applications (see docs/inbox.md).
    """
    flags = []
    if not application.dwelling_confirmed:
        flags.append("dwelling_disputed")
    if not application.household_confirmed:
        flags.append("household_disputed")
    rooms = (application.snapshot.get("dwelling") or {}).get("rooms")
    if isinstance(rooms, int) and rooms > persons_in_household(application) + 1:
        flags.append("rooms_exceed_persons")
    if earlier_months and int(application.period[5:7]) not in earlier_months:
        flags.append("outside_usual_month")
    return flags


async def earlier_months(db: AsyncSession, application: Application) -> set[int]:
    rows = await db.execute(
        select(Application.period).where(
            Application.person_cpr == application.person_cpr, Application.period < application.period
        )
    )
    return {int(period[5:7]) for period in rows.scalars().all()}


def summary(application: Application, flags: list[str]) -> dict[str, Any]:
    tenant = application.snapshot.get("tenant") or {}
    return {
        "reference": application.reference,
        "name": tenant.get("name"),
        "cpr_masked": mask_cpr(application.person_cpr),
        "period": application.period,
        "status": application.status,
        "submitted_at": iso(application.submitted_at),
        "language": application.language,
        "channel": application.channel,
        "assigned_caseworker_id": application.assigned_caseworker_id,
        "opened_at": iso(application.opened_at),
        "taken_over_at": iso(application.taken_over_at),
        "decision": application.decision,
        "decided_on": application.decided_on.isoformat() if application.decided_on else None,
        "case_reference": application.case_reference,
        "flags": flags,
    }


def _actor(caseworker: Caseworker | None, actor: str | None) -> str:
    """The audit actor: `actor` when given (a machine client, `client:<name>`), else the caseworker."""
    if actor is not None:
        return actor
    if caseworker is None:
        raise ValueError("a caseworker or an actor is required")
    return f"caseworker:{caseworker.id}"


async def list_applications(
    db: AsyncSession, caseworker: Caseworker | None, which: str, *, actor: str | None = None
) -> list[dict[str, Any]]:
    """Filter: new (not yet opened, not taken over), mine (assigned to me), taken_over (incl. decided),
    all. Each application shown is audited (who saw whose data). Commits. Without a caseworker (a
    machine client, `actor`) there is no "mine"."""
    if which not in FILTERS or (which == "mine" and caseworker is None):
        raise InvalidInput(
            f"filter must be one of {', '.join(FILTERS)}" + (" except mine" if caseworker is None else "")
        )
    who = _actor(caseworker, actor)
    query = select(Application).order_by(Application.submitted_at.desc(), Application.id.desc())
    if which == "new":
        query = query.where(Application.status.not_in(APPLICATION_CLOSED), Application.opened_at.is_(None))
    elif which == "mine" and caseworker is not None:
        query = query.where(Application.assigned_caseworker_id == caseworker.id)
    elif which == "taken_over":
        query = query.where(Application.status.in_(APPLICATION_CLOSED))
    applications = (await db.execute(query)).scalars().all()
    items = []
    for application in applications:
        items.append(summary(application, flags_for(application, await earlier_months(db, application))))
        await audit.record(
            db,
            actor=who,
            action="application_listed",
            person_cpr=application.person_cpr,
            application_reference=application.reference,
        )
    await db.commit()
    return items


async def get_application(db: AsyncSession, reference: str, *, lock: bool = False) -> Application:
    query = select(Application).where(Application.reference == reference)
    if lock:
        query = query.with_for_update()
    application = (await db.execute(query)).scalars().first()
    if application is None:
        raise NotFound(N_("unknown application"))
    return application


async def register_data(db: AsyncSession, cpr: str, settings: Settings) -> dict[str, Any]:
    """The registers as they are now, for comparison with the snapshot (names only for the household)."""
    registers = registers_for(db, settings)
    person = await registers.persons.person(cpr)
    tenancy = await registers.housing.tenancy(cpr)
    household = await registers.persons.household(cpr)
    return {
        "tenant": {"name": person.name, "address": person.address} if person else None,
        "dwelling": (
            {
                "address": tenancy.address,
                "rooms": tenancy.rooms,
                "rent_monthly": f"{tenancy.rent_monthly:.2f}" if tenancy.rent_monthly is not None else None,
                "landlord": tenancy.landlord,
                "move_in": tenancy.move_in.isoformat() if tenancy.move_in else None,
                "tenant_number": tenancy.tenant_number,
            }
            if tenancy
            else None
        ),
        "household": [{"name": m.name, "relation": m.relation} for m in household],
        "phone": person.phone_e164 if person else None,
    }


async def _casework(db: AsyncSession, application: Application, settings: Settings) -> dict[str, Any]:
    """The application's journal notes (and the person's) and follow-up tasks."""
    from backend.inbox import casework  # it builds on this module's lookups

    return {
        "notes": await casework.notes_for_application(db, application),
        "tasks": await casework.tasks_for_application(db, application.reference, settings),
    }


async def documents_of(db: AsyncSession, reference: str) -> dict[str, Any]:
    """The documents the citizen sent for the application and the caseworkers' requests for them."""
    from backend.documents import service as documents

    return {
        "attachments": [
            documents.attachment_record(a) for a in await documents.attachments_of(db, reference)
        ],
        "document_requests": [
            documents.request_record(r) for r in await documents.requests_of(db, reference)
        ],
    }


async def detail(
    db: AsyncSession,
    caseworker: Caseworker | None,
    reference: str,
    settings: Settings,
    *,
    actor: str | None = None,
) -> dict[str, Any]:
    """Everything about one application. Opening it as its assigned caseworker marks it opened; any
    caseworker opening a submitted application makes it `received`. Audited; commits. A machine client
    (no caseworker, `actor`) reads without changing anything and gets no secure messages (reading
    those marks them read by a caseworker)."""
    who = _actor(caseworker, actor)
    application = await get_application(db, reference, lock=caseworker is not None)
    if caseworker is not None:
        if application.assigned_caseworker_id == caseworker.id and application.opened_at is None:
            application.opened_at = datetime.now(UTC)
        await application_status.mark_opened(db, application, actor=who, settings=settings)
    transcript = await db.execute(
        select(ChatMessage)
        .where(ChatMessage.conversation_id == application.conversation_id)
        .order_by(ChatMessage.created_at, ChatMessage.id)
    )
    history = await db.execute(
        select(AuditEntry)
        .where(AuditEntry.application_reference == reference, AuditEntry.action != "application_listed")
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    result = {
        **summary(application, flags_for(application, await earlier_months(db, application))),
        "snapshot": application.snapshot,
        "confirmations": {
            "dwelling": application.dwelling_confirmed,
            "household": application.household_confirmed,
        },
        "corrections": application.corrections,
        "register": await register_data(db, application.person_cpr, settings),
        "contact": {
            "application_phone": application.phone_e164,
            "preference": contact_record(await db.get(ContactPreference, application.person_cpr)),
        },
        "transcript": [
            {"from": m.sender, "text": m.text, "at": iso(m.created_at)} for m in transcript.scalars().all()
        ],
        "history": [
            {"at": iso(e.at), "actor": e.actor, "action": e.action, "details": e.details}
            for e in history.scalars().all()
        ],
        "timeline": application_status.caseworker_timeline(
            await application_status.timeline(db, application.id)
        ),
        **await _casework(db, application, settings),
        **await documents_of(db, application.reference),
    }
    await audit.record(
        db,
        actor=who,
        action="application_viewed",
        person_cpr=application.person_cpr,
        application_reference=reference,
    )
    await db.commit()
    result["messages"] = (
        await caseworker_reads(db, caseworker_id=caseworker.id, cpr=application.person_cpr)
        if caseworker is not None
        else []
    )
    return result


async def assign(
    db: AsyncSession,
    caseworker: Caseworker | None,
    reference: str,
    to_id: int | None,
    *,
    actor: str | None = None,
) -> Application:
    """Assign (or with None, return to the shared queue). Reassigning resets `opened_at`. A change
    goes into the feed. Commits."""
    who = _actor(caseworker, actor)
    application = await get_application(db, reference, lock=True)
    if to_id is not None:
        target = await db.get(Caseworker, to_id)
        if target is None or not target.active:
            raise InvalidInput(N_("unknown caseworker"))
    changed = application.assigned_caseworker_id != to_id
    if changed:
        application.assigned_caseworker_id = to_id
        application.opened_at = None
    await audit.record(
        db,
        actor=who,
        action="application_assigned",
        person_cpr=application.person_cpr,
        application_reference=reference,
        details={"caseworker_id": to_id},
    )
    if changed:
        await record_change(db, application, "assignment")
    await db.commit()
    return application


async def take_over(db: AsyncSession, actor: str, reference: str, settings: Settings) -> Application:
    """Mark as taken over into the case system (seed 002): who and when; the application moves to
    history. A second take-over (or one after the decision) is 409. Commits."""
    return await application_status.change_status(
        db, reference, ApplicationStatus.TAKEN_OVER, actor=actor, settings=settings
    )


async def set_status(
    db: AsyncSession, actor: str, reference: str, settings: Settings, to: Any
) -> Application:
    """The status route (caseworker or case system): `received` or `taken_over`; 400 for anything
    else, 409 for a move the status machine does not allow. Commits."""
    wanted = application_status.parse_status(to, choices=SETTABLE)
    return await application_status.change_status(db, reference, wanted, actor=actor, settings=settings)


async def decide(
    db: AsyncSession,
    actor: str,
    reference: str,
    settings: Settings,
    decision: Any,
    decided_on: Any,
    case_reference: Any = None,
) -> Application:
    """Record the decision (its date, and the case system's reference when given); the citizen gets
    one neutral notification. A second decision is 409. Commits."""
    details = application_status.parse_decision(decision, decided_on, case_reference)
    return await application_status.change_status(
        db, reference, ApplicationStatus.DECIDED, actor=actor, settings=settings, decision=details
    )
