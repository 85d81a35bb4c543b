"""Resumable drafts (kladder): an unsent draft belongs to the person, not to one conversation.

When a logged-in person asks to apply and has a draft for the current month with answers, they are
offered to continue it (on any channel, after any login) or to start again. Continuing keeps the
answers and the register snapshot the draft showed; a section whose register facts changed since is
replaced by the new facts and its answers are cleared, so that the citizen sees it and is asked again.
Starting again discards the open drafts of the month. Each answer is saved as it is given; a draft
whose last answer is older than DRAFT_RETENTION_DAYS is no longer offered and is purged daily.

Every function here owns its transaction (commits) except `purge_expired_drafts`, which runs inside
the daily purge's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications.corrections import MAX_TEXT_CHARS, clean_text
from backend.applications.periods import current_period
from backend.applications.service import (
    DraftAlreadyApplied,
    DraftOutcome,
    DraftReady,
    DraftReferral,
    UnknownDraft,
    as_utc,
    create_prefilled_draft,
    register_facts,
)
from backend.config import Settings
from backend.dao.applications import dao_get_application_for_period, dao_get_draft
from backend.dao.drafts import (
    dao_delete_draft,
    dao_delete_open_drafts_idle_since,
    dao_get_latest_answered_draft,
    dao_get_open_drafts_of,
    dao_is_open_draft,
)
from backend.errors import InvalidInput
from backend.models.applications import Draft
from backend.models.conversations import Conversation
from backend.phones import require_phone
from backend.registers.base import Registers

# The application form's steps that are kept in a draft, in the order the form asks them (the slot
# names of domain.yml). Sending is not a step of the draft: it makes the draft an application.
STEPS = ("dwelling_confirmed", "dwelling_correction", "household_confirmed", "household_correction", "phone")
# Which parts of the snapshot each confirmed section shows.
SECTIONS = {"dwelling": ("tenant", "dwelling"), "household": ("household",)}


@dataclass(frozen=True)
class DraftResumable:
    """The person has a draft with answers: ask whether to continue it or start again."""

    status: ClassVar[str] = "resumable"
    draft: Draft
    started_on: date  # the local day it was prepared


@dataclass(frozen=True)
class DraftContinued(DraftReady):
    """The draft continues with its answers; `register_changed` names the sections shown anew."""

    started_on: date
    register_changed: tuple[str, ...]


def retention(settings: Settings) -> timedelta:
    return timedelta(days=settings.draft_retention_days)


def local_day(moment: datetime, settings: Settings) -> date:
    return as_utc(moment).astimezone(ZoneInfo(settings.timezone)).date()


async def start_application(
    db: AsyncSession,
    conversation: Conversation,
    cpr: str,
    *,
    settings: Settings,
    registers: Registers | None = None,
    now: datetime | None = None,
) -> DraftOutcome | DraftResumable:
    """The person asked to apply: already applied, the offer to continue a draft with answers, or a new
    prefilled draft (a referral when there is nothing to prefill). Commits."""
    now = now or datetime.now(UTC)
    period = current_period(now, settings.timezone)
    existing = await dao_get_application_for_period(db, cpr, period)
    if existing is not None:
        return DraftAlreadyApplied(existing)
    draft = await dao_get_latest_answered_draft(db, cpr, period, answered_since=now - retention(settings))
    if draft is not None:
        await audit.record(
            db,
            actor="citizen",
            action="draft_offered",
            person_cpr=cpr,
            details={"draft": draft.reference, "conversation": conversation.id},
        )
        await db.commit()
        return DraftResumable(draft, local_day(draft.created_at, settings))
    outcome = await create_prefilled_draft(
        db, conversation.id, cpr, period, settings=settings, registers=registers, now=now
    )
    await db.commit()
    return outcome


async def continue_draft(
    db: AsyncSession,
    conversation: Conversation,
    cpr: str,
    *,
    settings: Settings,
    registers: Registers | None = None,
    now: datetime | None = None,
) -> DraftOutcome:
    """Continue the person's latest draft with answers, checked against the registers; without one (it
    was sent, discarded or expired meanwhile) a new draft. Commits."""
    now = now or datetime.now(UTC)
    period = current_period(now, settings.timezone)
    existing = await dao_get_application_for_period(db, cpr, period)
    if existing is not None:
        return DraftAlreadyApplied(existing)
    draft = await dao_get_latest_answered_draft(db, cpr, period, answered_since=now - retention(settings))
    if draft is None:
        outcome = await create_prefilled_draft(
            db, conversation.id, cpr, period, settings=settings, registers=registers, now=now
        )
        await db.commit()
        return outcome

    facts = await register_facts(db, cpr, period, settings=settings, registers=registers, now=now)
    if isinstance(facts, DraftReferral):
        # The tenancy is gone or no longer prefilled: the draft cannot be sent as it is.
        await _discard(db, [draft], reason=f"referral:{facts.reason}")
        await db.commit()
        return facts
    changed = refresh_from_registers(draft, facts)
    await audit.record(
        db,
        actor="citizen",
        action="draft_continued",
        person_cpr=cpr,
        details={"draft": draft.reference, "conversation": conversation.id, "register_changed": changed},
    )
    await db.commit()
    return DraftContinued(draft, started_on=local_day(draft.created_at, settings), register_changed=changed)


def refresh_from_registers(draft: Draft, facts: dict[str, Any]) -> tuple[str, ...]:
    """Replace each section whose register facts differ from what the draft showed, and clear that
    section's answers. The register's phone number is taken as it is now (it is asked about at its own
    step). Returns the changed sections."""
    snapshot, answers = dict(draft.snapshot), dict(draft.answers)
    changed = tuple(
        section for section, keys in SECTIONS.items() if any(snapshot.get(key) != facts[key] for key in keys)
    )
    for section in changed:
        snapshot.update({key: facts[key] for key in SECTIONS[section]})
        answers.pop(f"{section}_confirmed", None)
        answers.pop(f"{section}_correction", None)
    snapshot["register_phone"] = facts["register_phone"]
    draft.snapshot = snapshot  # new objects: the JSON columns see the change
    if answers != draft.answers:
        draft.answers = answers
        draft.last_step = last_step_of(answers)
    return changed


async def restart_draft(
    db: AsyncSession,
    conversation: Conversation,
    cpr: str,
    *,
    settings: Settings,
    registers: Registers | None = None,
    now: datetime | None = None,
) -> DraftOutcome:
    """Start again: discard the person's open drafts of the month (audited) and prepare a new one. Commits."""
    now = now or datetime.now(UTC)
    period = current_period(now, settings.timezone)
    existing = await dao_get_application_for_period(db, cpr, period)
    if existing is not None:
        return DraftAlreadyApplied(existing)
    await _discard(db, await dao_get_open_drafts_of(db, cpr, period), reason="restarted")
    outcome = await create_prefilled_draft(
        db, conversation.id, cpr, period, settings=settings, registers=registers, now=now
    )
    await db.commit()
    return outcome


async def save_answers(
    db: AsyncSession,
    conversation: Conversation,
    cpr: str,
    draft_id: Any,
    answers: Any,
    *,
    now: datetime | None = None,
) -> Draft:
    """Store the answers given so far (the whole set, as the conversation has it) on the person's open
    draft; the last step answered and its time change only when the answers do. Commits.

    Raises InvalidInput (also InvalidPhone) for bad answers, UnknownDraft when the draft is not this
    person's or no longer open (sent or discarded)."""
    cleaned = clean_answers(answers)
    draft = await dao_get_draft(db, draft_id) if isinstance(draft_id, str) and len(draft_id) <= 32 else None
    if draft is None or draft.person_cpr != cpr or not await dao_is_open_draft(db, draft.id):
        raise UnknownDraft("no such unsent draft for this person")
    if cleaned != draft.answers:
        draft.answers = cleaned
        draft.last_step = last_step_of(cleaned)
        draft.last_step_at = now or datetime.now(UTC)
        await audit.record(
            db,
            actor="citizen",
            action="draft_answered",
            person_cpr=cpr,
            details={"draft": draft.reference, "conversation": conversation.id, "last_step": draft.last_step},
        )
    await db.commit()
    return draft


def clean_answers(raw: Any) -> dict[str, Any]:
    """Validate `{step: value}`: yes/no steps are booleans, corrections free text (only after "no" to
    their section), the phone a valid number (stored in E.164). A missing or null step is unanswered."""
    if not isinstance(raw, dict):
        raise InvalidInput("answers must be an object")
    unknown = sorted(set(raw) - set(STEPS))
    if unknown:
        raise InvalidInput(f"unknown steps: {', '.join(unknown)[:200]}; steps are {', '.join(STEPS)}")
    cleaned: dict[str, Any] = {}
    for step in STEPS:
        value = raw.get(step)
        if value is None:
            continue
        if step.endswith("_confirmed"):
            if not isinstance(value, bool):
                raise InvalidInput(f"{step} must be a boolean")
        elif step.endswith("_correction"):
            value = _correction(step, value, confirmed=raw.get(step.replace("_correction", "_confirmed")))
        else:
            value = require_phone(value if isinstance(value, str) else None)
        cleaned[step] = value
    return cleaned


def _correction(step: str, value: Any, *, confirmed: Any) -> str:
    if confirmed is not False:
        raise InvalidInput(f"{step} is only answered after saying the section is wrong")
    text = clean_text(value) if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(f"{step} must be a non-empty text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"{step} must be at most {MAX_TEXT_CHARS} characters")
    return text


def last_step_of(answers: dict[str, Any]) -> str | None:
    """The latest step answered, in the order the form asks them."""
    return next((step for step in reversed(STEPS) if answers.get(step) is not None), None)


async def _discard(db: AsyncSession, drafts: Iterable[Draft], *, reason: str) -> None:
    for draft in drafts:
        await audit.record(
            db,
            actor="citizen",
            action="draft_discarded",
            person_cpr=draft.person_cpr,
            details={"draft": draft.reference, "reason": reason},
        )
        await dao_delete_draft(db, draft)


async def purge_expired_drafts(db: AsyncSession, settings: Settings, *, now: datetime) -> int:
    """Delete the unsent drafts idle longer than DRAFT_RETENTION_DAYS (inside the caller's transaction)."""
    return await dao_delete_open_drafts_idle_since(db, now - retention(settings))
