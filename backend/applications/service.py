"""Prepare a prefilled draft, submit it as an application, and tell a person the status.

Only tenancies of INI A/S and Iserit A/S are prefilled; other citizens are referred to the manual
form. One application per person and month: enforced by a unique constraint, so two racing submits
still yield one application.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications.changes import record_change
from backend.applications.corrections import clean_corrections
from backend.applications.periods import current_period
from backend.applications.references import DRAFT_PREFIX, new_reference
from backend.applications.status import record_submitted
from backend.config import Settings
from backend.cpr import mask_cpr
from backend.dao.applications import (
    dao_create_application,
    dao_create_draft,
    dao_get_application_by_reference,
    dao_get_application_for_period,
    dao_get_draft,
    dao_get_latest_application,
)
from backend.dao.drafts import dao_get_draft_by_reference
from backend.errors import Conflict, InvalidInput
from backend.models.applications import Application, Draft
from backend.models.conversations import Conversation
from backend.models.states import ApplicationStatus
from backend.phones import require_phone
from backend.registers.base import Registers
from backend.registers.factory import registers_for
from backend.routing import route_application


class UnknownDraft(InvalidInput):
    code = "unknown_draft"


class AlreadyApplied(Conflict):
    """An application for this person and month exists (a different draft than the one submitted)."""

    code = "already_applied"

    def __init__(self, application: Application) -> None:
        super().__init__("an application for this month has already been submitted")
        self.application = application


@dataclass(frozen=True)
class DraftReady:
    status: ClassVar[str] = "ready"
    draft: Draft

    @property
    def register_phone(self) -> str | None:
        return self.draft.snapshot.get("register_phone")

    @property
    def display(self) -> dict[str, Any]:
        return display_for(self.draft)


@dataclass(frozen=True)
class DraftReferral:
    status: ClassVar[str] = "referral"
    reason: str  # private_landlord | no_tenancy
    manual_form_url: str


@dataclass(frozen=True)
class DraftAlreadyApplied:
    status: ClassVar[str] = "already_applied"
    application: Application


DraftOutcome = DraftReady | DraftReferral | DraftAlreadyApplied


@dataclass(frozen=True)
class Submission:
    application: Application
    created: bool  # False when an earlier submit of the same draft is returned again


async def prepare_draft(
    db: AsyncSession,
    conversation_id: str,
    cpr: str,
    *,
    settings: Settings,
    registers: Registers | None = None,
    now: datetime | None = None,
) -> DraftOutcome:
    """Look the person up in the registers and store the draft exactly as it will be shown. Commits."""
    now = now or datetime.now(UTC)
    period = current_period(now, settings.timezone)
    existing = await dao_get_application_for_period(db, cpr, period)
    if existing is not None:
        return DraftAlreadyApplied(existing)
    outcome = await create_prefilled_draft(
        db, conversation_id, cpr, period, settings=settings, registers=registers, now=now
    )
    await db.commit()
    return outcome


async def create_prefilled_draft(
    db: AsyncSession,
    conversation_id: str,
    cpr: str,
    period: str,
    *,
    settings: Settings,
    registers: Registers | None = None,
    now: datetime,
) -> DraftReady | DraftReferral:
    """A new draft for `period` from what the registers say now (audited; flushed, not committed)."""
    facts = await register_facts(db, cpr, period, settings=settings, registers=registers, now=now)
    if isinstance(facts, DraftReferral):
        return facts
    for _attempt in range(5):
        reference = new_reference(DRAFT_PREFIX)
        if await dao_get_draft_by_reference(db, reference) is None:
            break
    draft = await dao_create_draft(
        db,
        Draft(
            id=secrets.token_hex(16),
            reference=reference,
            conversation_id=conversation_id,
            person_cpr=cpr,
            period=period,
            snapshot=facts,
            answers={},
            created_at=now,
        ),
    )
    await audit.record(
        db, actor="citizen", action="draft_prepared", person_cpr=cpr, details={"draft": reference}
    )
    return DraftReady(draft)


async def register_facts(
    db: AsyncSession,
    cpr: str,
    period: str,
    *,
    settings: Settings,
    registers: Registers | None = None,
    now: datetime,
) -> dict[str, Any] | DraftReferral:
    """What the registers say about the person now, shaped as a draft's snapshot; a referral when
    there is no tenancy of INI A/S or Iserit A/S to prefill."""
    registers = registers or registers_for(db, settings)
    person = await registers.persons.person(cpr)
    tenancy = await registers.housing.tenancy(cpr) if person is not None else None
    if person is None or tenancy is None:
        return DraftReferral("no_tenancy", settings.manual_form_url)
    if not tenancy.prefilled:
        return DraftReferral("private_landlord", settings.manual_form_url)

    household = await registers.persons.household(cpr)
    return {
        "period": period,
        "prepared_at": now.astimezone(UTC).isoformat(),
        "tenant": {"name": person.name, "cpr_masked": mask_cpr(cpr), "address": person.address},
        "dwelling": {
            "address": tenancy.address,
            "rooms": tenancy.rooms,
            "rent_monthly": f"{tenancy.rent_monthly:.2f}" if tenancy.rent_monthly is not None else None,
            "landlord": tenancy.landlord,
            "move_in": tenancy.move_in.isoformat() if tenancy.move_in else None,
            "tenant_number": tenancy.tenant_number,
        },
        # Names and relation codes only: never the members' CPR numbers, incomes or benefit amounts.
        "household": [{"name": member.name, "relation": member.relation} for member in household],
        "register_phone": person.phone_e164,
    }


def display_for(draft: Draft) -> dict[str, Any]:
    """The arguments of the utter_draft_* responses (docs/architecture.md, `display`)."""
    snapshot = draft.snapshot
    tenant, dwelling = snapshot["tenant"], snapshot["dwelling"]
    return {
        "now_datetime": snapshot["prepared_at"],
        "period_month": snapshot["period"],
        "tenant_name": tenant["name"],
        "tenant_cpr_masked": tenant["cpr_masked"],
        "tenant_address": tenant["address"],
        "dwelling_address": dwelling["address"],
        "rooms": dwelling["rooms"],
        "rent_amount": dwelling["rent_monthly"],
        "landlord": dwelling["landlord"],
        "move_in_date": dwelling["move_in"],
        "tenant_number": dwelling["tenant_number"],
        "household_list": [member["name"] for member in snapshot["household"]],
    }


async def submit(
    db: AsyncSession,
    *,
    conversation: Conversation,
    person_cpr: str,
    draft_id: str,
    dwelling_confirmed: bool,
    household_confirmed: bool,
    corrections: Any,
    phone: str,
    settings: Settings,
    now: datetime | None = None,
) -> Submission:
    """Turn the draft into an application and commit it before returning.

    Idempotent on `draft_id`. `person_cpr` is the person logged in on the conversation; the draft must
    be that person's (from whichever of their conversations it was prepared or continued). Raises
    UnknownDraft, InvalidPhone, InvalidInput or AlreadyApplied.
    """
    cleaned = clean_corrections(corrections)
    phone_e164 = require_phone(phone)
    draft = await dao_get_draft(db, draft_id) if isinstance(draft_id, str) else None
    if draft is None or draft.person_cpr != person_cpr:
        raise UnknownDraft("no such draft for this person")
    # Plain values: a rollback after a lost race expires the ORM objects.
    period, snapshot = draft.period, draft.snapshot
    conversation_id, channel = conversation.id, conversation.channel
    language = conversation.language or settings.default_language

    earlier = await _existing(db, draft_id, person_cpr, period)
    if earlier is not None:
        return earlier

    for _attempt in range(5):
        reference = new_reference()
        if await dao_get_application_by_reference(db, reference) is not None:
            continue
        try:
            application = await dao_create_application(
                db,
                Application(
                    reference=reference,
                    draft_id=draft_id,
                    conversation_id=conversation_id,
                    person_cpr=person_cpr,
                    period=period,
                    status=ApplicationStatus.SUBMITTED,
                    language=language,
                    channel=channel,
                    phone_e164=phone_e164,
                    snapshot=snapshot,
                    dwelling_confirmed=bool(dwelling_confirmed),
                    household_confirmed=bool(household_confirmed),
                    corrections=cleaned,
                    submitted_at=now or datetime.now(UTC),
                ),
            )
            await record_submitted(db, application)
            await record_change(db, application, "submitted")
            await audit.record(
                db,
                actor="citizen",
                action="application_submitted",
                person_cpr=person_cpr,
                application_reference=reference,
                details={"channel": channel, "corrections": len(cleaned)},
            )
            await db.commit()
            await route_application(db, application)  # issue 4: assign by CPR birthday (backend/routing.py)
            return Submission(application, created=True)
        except IntegrityError:
            # A concurrent submit won the race (same draft or same month), or the reference collided.
            await db.rollback()
            earlier = await _existing(db, draft_id, person_cpr, period)
            if earlier is not None:
                return earlier
    raise RuntimeError("could not allocate a unique application reference")


async def _existing(db: AsyncSession, draft_id: str, person_cpr: str, period: str) -> Submission | None:
    """The application already made for this person and month, if any: the same one again when it came
    from this draft, else AlreadyApplied. (An application's person and month are its draft's, so one
    query answers both questions at once, without a window between two reads.)"""
    same_month = await dao_get_application_for_period(db, person_cpr, period)
    if same_month is None:
        return None
    if same_month.draft_id == draft_id:
        return Submission(same_month, created=False)
    raise AlreadyApplied(same_month)


async def status_for_person(db: AsyncSession, cpr: str) -> Application | None:
    """The person's latest application, whatever its month."""
    return await dao_get_latest_application(db, cpr)


def application_summary(application: Application) -> dict[str, Any]:
    """What the citizen may be told about an application (receipt, duplicate, status)."""
    return {
        "reference": application.reference,
        "status": application.status,
        "submitted_at": as_utc(application.submitted_at).isoformat(),
        "period": application.period,
        "decision": application.decision,
        "decided_on": application.decided_on.isoformat() if application.decided_on else None,
    }


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
