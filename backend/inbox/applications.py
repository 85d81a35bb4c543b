"""What caseworkers do with applications: list with flags, open the detail (audited), assign,
take over into the case system (with exports), record the decision."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.config import Settings
from backend.cpr import mask_cpr
from backend.errors import Conflict, InvalidInput, NotFound
from backend.messaging.service import caseworker_reads, contact_record
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.caseworkers import Caseworker
from backend.models.conversations import ChatMessage
from backend.models.messaging import ContactPreference
from backend.registers.factory import registers_for

FILTERS = ("new", "mine", "taken_over", "all")
DECISIONS = ("granted", "refused")
CLOSED = ("taken_over", "decided")


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
        "flags": flags,
    }


async def list_applications(db: AsyncSession, caseworker: Caseworker, which: str) -> list[dict[str, Any]]:
    """Filter: new (not yet opened, not taken over), mine (assigned to me), taken_over (incl. decided),
    all. Each application shown is audited (who saw whose data). Commits."""
    if which not in FILTERS:
        raise InvalidInput(f"filter must be one of {', '.join(FILTERS)}")
    query = select(Application).order_by(Application.submitted_at.desc(), Application.id.desc())
    if which == "new":
        query = query.where(
            Application.status.in_(("submitted", "received")), Application.opened_at.is_(None)
        )
    elif which == "mine":
        query = query.where(Application.assigned_caseworker_id == caseworker.id)
    elif which == "taken_over":
        query = query.where(Application.status.in_(CLOSED))
    applications = (await db.execute(query)).scalars().all()
    items = []
    for application in applications:
        items.append(summary(application, flags_for(application, await earlier_months(db, application))))
        await audit.record(
            db,
            actor=f"caseworker:{caseworker.id}",
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
        raise NotFound("unknown application")
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


async def detail(
    db: AsyncSession, caseworker: Caseworker, reference: str, settings: Settings
) -> dict[str, Any]:
    """Everything about one application. Opening it as its assigned caseworker marks it opened.
    Audited; commits."""
    application = await get_application(db, reference)
    if application.assigned_caseworker_id == caseworker.id and application.opened_at is None:
        application.opened_at = datetime.now(UTC)
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
    }
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="application_viewed",
        person_cpr=application.person_cpr,
        application_reference=reference,
    )
    await db.commit()
    result["messages"] = await caseworker_reads(db, caseworker_id=caseworker.id, cpr=application.person_cpr)
    return result


async def assign(db: AsyncSession, caseworker: Caseworker, reference: str, to_id: int | None) -> Application:
    """Assign (or with None, return to the shared queue). Reassigning resets `opened_at`. Commits."""
    application = await get_application(db, reference, lock=True)
    if to_id is not None:
        target = await db.get(Caseworker, to_id)
        if target is None or not target.active:
            raise InvalidInput("unknown caseworker")
    if application.assigned_caseworker_id != to_id:
        application.assigned_caseworker_id = to_id
        application.opened_at = None
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="application_assigned",
        person_cpr=application.person_cpr,
        application_reference=reference,
        details={"caseworker_id": to_id},
    )
    await db.commit()
    return application


async def take_over(db: AsyncSession, caseworker: Caseworker, reference: str) -> Application:
    """Mark as taken over into the case system (seed 002): who and when; the application moves to
    history. A second take-over is 409. Commits."""
    application = await get_application(db, reference, lock=True)
    if application.status in CLOSED:
        raise Conflict("already taken over", code="already_taken_over")
    application.status = "taken_over"
    application.taken_over_at = datetime.now(UTC)
    application.taken_over_by = caseworker.id
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="application_taken_over",
        person_cpr=application.person_cpr,
        application_reference=reference,
    )
    await db.commit()
    return application


async def decide(
    db: AsyncSession, caseworker: Caseworker, reference: str, decision: Any, decided_on: Any
) -> Application:
    if decision not in DECISIONS:
        raise InvalidInput("decision must be granted or refused")
    try:
        day = date.fromisoformat(decided_on) if isinstance(decided_on, str) else None
    except ValueError:
        day = None
    if day is None:
        raise InvalidInput("decided_on must be a date (YYYY-MM-DD)")
    application = await get_application(db, reference, lock=True)
    if application.taken_over_at is None:
        application.taken_over_at = datetime.now(UTC)
        application.taken_over_by = caseworker.id
    application.status = "decided"
    application.decision = decision
    application.decided_on = day
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="application_decided",
        person_cpr=application.person_cpr,
        application_reference=reference,
        details={"decision": decision, "decided_on": day.isoformat()},
    )
    await db.commit()
    return application
