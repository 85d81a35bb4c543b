"""Journal notes and follow-up tasks: what a caseworker writes down and what they must come back to.

Every use case owns its transaction (commits) and is audited; notes and tasks may hold personal data,
so reading them is audited as a read of the person's data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.config import Settings
from backend.cpr import normalise_cpr
from backend.errors import Conflict, InvalidInput, NotFound
from backend.inbox.applications import get_application, iso
from backend.inbox.i18n import N_
from backend.models.applications import Application
from backend.models.casework import CaseTask, JournalNote
from backend.models.caseworkers import Caseworker
from backend.models.messaging import Thread
from backend.models.registers import Person
from backend.models.states import TaskFilter, TaskState

MAX_NOTE = 4000
MAX_TASK_TEXT = 1000
MAX_DUE_AHEAD = timedelta(days=2 * 366)


def plain(text: str) -> str:
    """Control characters (other than newlines and tabs) removed: a NUL cannot be stored."""
    return "".join(ch for ch in text if ch in "\n\t" or ch.isprintable())


def clean_text(value: Any, *, limit: int, name: str = "text") -> str:
    if not isinstance(value, str) or not plain(value).strip():
        raise InvalidInput(N_("The text is missing."))
    text = plain(value).strip()
    if len(text) > limit:
        raise InvalidInput(N_("The text is too long."), code="too_long")
    return text


def local_today(settings: Settings, now: datetime | None = None) -> date:
    """Today in the municipality's time zone: tasks fall due on Greenland's days."""
    return (now or datetime.now(UTC)).astimezone(ZoneInfo(settings.timezone)).date()


async def _usernames(db: AsyncSession, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await db.execute(select(Caseworker.id, Caseworker.username).where(Caseworker.id.in_(wanted)))
    return {row[0]: row[1] for row in rows.all()}


# --- journal notes -----------------------------------------------------------------------------


def note_record(note: JournalNote, usernames: dict[int, str]) -> dict[str, Any]:
    return {
        "id": note.id,
        "text": note.text,
        "application_reference": note.application_reference,
        "caseworker": usernames.get(note.caseworker_id) if note.caseworker_id else None,
        "created_at": iso(note.created_at),
    }


async def _add_note(
    db: AsyncSession, caseworker: Caseworker, cpr: str, reference: str | None, text: Any
) -> JournalNote:
    note = JournalNote(
        person_cpr=cpr,
        application_reference=reference,
        caseworker_id=caseworker.id,
        text=clean_text(text, limit=MAX_NOTE),
    )
    db.add(note)
    await db.flush()
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="journal_note_added",
        person_cpr=cpr,
        application_reference=reference,
        details={"note_id": note.id},
    )
    await db.commit()
    return note


async def add_application_note(
    db: AsyncSession, caseworker: Caseworker, reference: str, text: Any
) -> JournalNote:
    """A note on one application. Commits."""
    application = await get_application(db, reference)
    return await _add_note(db, caseworker, application.person_cpr, application.reference, text)


async def known_person(db: AsyncSession, cpr_text: Any) -> str:
    """The CPR number of a person the service knows (register, application or thread), else 4xx."""
    cpr = normalise_cpr(cpr_text) if isinstance(cpr_text, str) else None
    if cpr is None:
        raise InvalidInput(N_("That is not a CPR number."))
    known = (
        await db.get(Person, cpr) is not None
        or (await db.execute(select(Application.id).where(Application.person_cpr == cpr).limit(1))).first()
        or (await db.execute(select(Thread.id).where(Thread.person_cpr == cpr).limit(1))).first()
    )
    if not known:
        raise NotFound(N_("No person with that CPR number is known."))
    return cpr


async def add_person_note(db: AsyncSession, caseworker: Caseworker, cpr_text: Any, text: Any) -> JournalNote:
    """A note on a person, not tied to one application. Commits."""
    cpr = await known_person(db, cpr_text)
    return await _add_note(db, caseworker, cpr, None, text)


async def add_thread_note(db: AsyncSession, caseworker: Caseworker, thread_id: int, text: Any) -> JournalNote:
    """A note on the person of a secure-message thread (not on one application). Commits."""
    thread = await db.get(Thread, thread_id)
    if thread is None:
        raise NotFound(N_("unknown thread"))
    return await _add_note(db, caseworker, thread.person_cpr, None, text)


async def notes_for_application(db: AsyncSession, application: Application) -> list[dict[str, Any]]:
    """The application's notes and the person's own notes, oldest first (the caller audits the read)."""
    rows = await db.execute(
        select(JournalNote)
        .where(
            JournalNote.person_cpr == application.person_cpr,
            or_(
                JournalNote.application_reference == application.reference,
                JournalNote.application_reference.is_(None),
            ),
        )
        .order_by(JournalNote.created_at, JournalNote.id)
    )
    notes = list(rows.scalars().all())
    usernames = await _usernames(db, {n.caseworker_id for n in notes})
    return [note_record(n, usernames) for n in notes]


async def notes_of_person(db: AsyncSession, cpr: str) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(JournalNote)
        .where(JournalNote.person_cpr == cpr)
        .order_by(JournalNote.created_at, JournalNote.id)
    )
    notes = list(rows.scalars().all())
    usernames = await _usernames(db, {n.caseworker_id for n in notes})
    return [note_record(n, usernames) for n in notes]


async def read_person_notes(db: AsyncSession, caseworker: Caseworker, cpr_text: Any) -> list[dict[str, Any]]:
    """Every note on the person (person-level and on their applications). Audited; commits."""
    cpr = await known_person(db, cpr_text)
    notes = await notes_of_person(db, cpr)
    await audit_notes_read(db, caseworker, cpr, notes)
    await db.commit()
    return notes


async def audit_notes_read(
    db: AsyncSession, caseworker: Caseworker, cpr: str, notes: list[dict[str, Any]]
) -> None:
    """Record that the caseworker was shown the person's notes, in the caller's transaction."""
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="journal_notes_read",
        person_cpr=cpr,
        details={"notes": len(notes)},
    )


# --- tasks -------------------------------------------------------------------------------------


def task_record(task: CaseTask, usernames: dict[int, str], today: date) -> dict[str, Any]:
    return {
        "id": task.id,
        "application_reference": task.application_reference,
        "due": task.due.isoformat(),
        "text": task.text,
        "state": task.state,
        "overdue": task.state == TaskState.OPEN and task.due < today,
        "caseworker_id": task.caseworker_id,
        "caseworker": usernames.get(task.caseworker_id),
        "created_at": iso(task.created_at),
        "completed_at": iso(task.completed_at),
        "completed_by": usernames.get(task.completed_by) if task.completed_by else None,
    }


def parse_due(value: Any, today: date) -> date:
    try:
        due = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        due = None
    if due is None:
        raise InvalidInput(N_("The follow-up date must be a date."))
    if due < today:
        raise InvalidInput(N_("The follow-up date must be today or later."), code="due_in_past")
    if due > today + MAX_DUE_AHEAD:
        raise InvalidInput(N_("The follow-up date must be within two years."), code="due_too_far")
    return due


async def create_task(
    db: AsyncSession,
    caseworker: Caseworker,
    settings: Settings,
    *,
    reference: Any,
    due: Any,
    text: Any,
    assignee_id: Any = None,
) -> dict[str, Any]:
    """A follow-up on an application, for the caseworker themself or (`assignee_id`) a colleague.
    Audited; commits."""
    if not isinstance(reference, str) or not reference or len(reference) > 20:
        raise InvalidInput("application_reference is required")
    if assignee_id is not None and (not isinstance(assignee_id, int) or isinstance(assignee_id, bool)):
        raise InvalidInput("caseworker_id must be a number")
    today = local_today(settings)
    due_day = parse_due(due, today)
    task_text = clean_text(text, limit=MAX_TASK_TEXT)
    application = await get_application(db, reference)
    owner = caseworker.id
    if assignee_id is not None and assignee_id != caseworker.id:
        target = await db.get(Caseworker, assignee_id)
        if target is None or not target.active:
            raise InvalidInput(N_("unknown caseworker"))
        owner = target.id
    task = CaseTask(
        application_reference=application.reference,
        person_cpr=application.person_cpr,
        caseworker_id=owner,
        created_by=caseworker.id,
        due=due_day,
        text=task_text,
        state=TaskState.OPEN,
    )
    db.add(task)
    await db.flush()
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="task_created",
        person_cpr=application.person_cpr,
        application_reference=application.reference,
        details={"task_id": task.id, "due": due_day.isoformat(), "caseworker_id": owner},
    )
    await db.commit()
    return task_record(task, await _usernames(db, {owner}), today)


async def list_tasks(
    db: AsyncSession,
    caseworker: Caseworker,
    settings: Settings,
    *,
    mine: bool,
    state: TaskFilter | str = TaskFilter.OPEN,
) -> list[dict[str, Any]]:
    """Tasks by due day (mine, or everyone's), `state` open, done or all. The read is audited with
    the applications it shows; commits."""
    try:
        state = TaskFilter(state)
    except ValueError:
        raise InvalidInput("state must be open, done or all") from None
    query = select(CaseTask).order_by(CaseTask.due, CaseTask.id)
    if mine:
        query = query.where(CaseTask.caseworker_id == caseworker.id)
    if state != TaskFilter.ALL:
        query = query.where(CaseTask.state == TaskState(state))
    tasks = list((await db.execute(query.limit(1000))).scalars().all())
    today = local_today(settings)
    usernames = await _usernames(db, {t.caseworker_id for t in tasks} | {t.completed_by for t in tasks})
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="tasks_listed",
        details={
            "tasks": [t.id for t in tasks],
            "applications": sorted({t.application_reference for t in tasks}),
        },
    )
    await db.commit()
    return [task_record(t, usernames, today) for t in tasks]


async def tasks_for_application(db: AsyncSession, reference: str, settings: Settings) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(CaseTask)
        .where(CaseTask.application_reference == reference)
        .order_by(CaseTask.due, CaseTask.id)
    )
    tasks = list(rows.scalars().all())
    usernames = await _usernames(db, {t.caseworker_id for t in tasks} | {t.completed_by for t in tasks})
    today = local_today(settings)
    return [task_record(t, usernames, today) for t in tasks]


async def complete_task(
    db: AsyncSession, caseworker: Caseworker, settings: Settings, task_id: int
) -> dict[str, Any]:
    """open → done (by any caseworker); a done task again is 409. Audited; commits."""
    task = (
        (await db.execute(select(CaseTask).where(CaseTask.id == task_id).with_for_update())).scalars().first()
    )
    if task is None:
        raise NotFound(N_("unknown task"))
    if task.state != TaskState.OPEN:
        raise Conflict(N_("The task is already done."), code="task_done")
    task.state = TaskState.DONE
    task.completed_at = datetime.now(UTC)
    task.completed_by = caseworker.id
    await audit.record(
        db,
        actor=f"caseworker:{caseworker.id}",
        action="task_completed",
        person_cpr=task.person_cpr,
        application_reference=task.application_reference,
        details={"task_id": task.id},
    )
    await db.commit()
    return task_record(task, await _usernames(db, {task.caseworker_id, caseworker.id}), local_today(settings))


async def overdue_counts(db: AsyncSession, today: date) -> dict[int, int]:
    """Open tasks past their due day, per caseworker (for the digest: counts only)."""
    rows = await db.execute(
        select(CaseTask.caseworker_id, func.count())
        .where(CaseTask.state == TaskState.OPEN, CaseTask.due < today)
        .group_by(CaseTask.caseworker_id)
    )
    return {row[0]: int(row[1]) for row in rows.all()}


async def tasks_of_person(db: AsyncSession, cpr: str) -> list[dict[str, Any]]:
    """For the person's own export: the follow-ups on their applications."""
    rows = await db.execute(select(CaseTask).where(CaseTask.person_cpr == cpr).order_by(CaseTask.id))
    tasks = list(rows.scalars().all())
    usernames = await _usernames(db, {t.caseworker_id for t in tasks} | {t.completed_by for t in tasks})
    return [task_record(t, usernames, date.min) for t in tasks]
