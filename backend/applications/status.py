"""The status of an application: the allowed moves, the timeline, and the one place that changes it.

```
submitted ──► received ◄──► waiting_for_citizen
    │            │                 │
    └────────────┴──► taken_over ──┴──► decided
```

- `received`: a caseworker opened the application, or the case system acknowledged it;
- `waiting_for_citizen`: a caseworker asked the citizen for documents; `received` again when they arrive;
- `taken_over`: taken over into the case system; `decided`: the decision is recorded (final).

Any open status (submitted, received, waiting_for_citizen) may move straight to taken_over or decided
(a case system may decide without reporting each step). Staying in the same status is not a move.

Every change is a `StatusEvent` (when, who, and for a decision its date and the case system's
reference), an audit entry, an entry in the case system's feed (backend/applications/changes.py),
and for a decision one neutral notification to the citizen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications.changes import record_change
from backend.config import Settings
from backend.errors import Conflict, InvalidInput, NotFound
from backend.messaging.notifications import notify_decision
from backend.models.applications import Application
from backend.models.states import ApplicationStatus, Decision
from backend.models.status_events import StatusEvent

S = ApplicationStatus

TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.SUBMITTED: frozenset({S.RECEIVED, S.WAITING_FOR_CITIZEN, S.TAKEN_OVER, S.DECIDED}),
    S.RECEIVED: frozenset({S.WAITING_FOR_CITIZEN, S.TAKEN_OVER, S.DECIDED}),
    S.WAITING_FOR_CITIZEN: frozenset({S.RECEIVED, S.TAKEN_OVER, S.DECIDED}),
    S.TAKEN_OVER: frozenset({S.DECIDED}),
    S.DECIDED: frozenset(),
}
AUDIT_ACTIONS: dict[ApplicationStatus, str] = {
    S.RECEIVED: "application_received",
    S.WAITING_FOR_CITIZEN: "application_waiting_for_citizen",
    S.TAKEN_OVER: "application_taken_over",
    S.DECIDED: "application_decided",
}
CASE_REFERENCE_MAX = 64


class IllegalTransition(Conflict):
    """409: the application cannot move from its status to the one asked for (the message names
    both; the body keeps the API's error shape)."""

    code = "illegal_transition"

    def __init__(self, current: str, to: str) -> None:
        super().__init__(f"an application that is {current} cannot become {to}")
        self.current = current


@dataclass(frozen=True)
class DecisionDetails:
    decision: Decision
    decided_on: date
    case_reference: str | None


def allowed(current: str, to: str) -> bool:
    try:
        return ApplicationStatus(to) in TRANSITIONS[ApplicationStatus(current)]
    except (ValueError, KeyError):
        return False


def parse_status(value: Any, *, choices: frozenset[ApplicationStatus] | None = None) -> ApplicationStatus:
    """A status from request input; 400 when it is not one of `choices` (default: every status)."""
    accepted = choices or frozenset(ApplicationStatus)
    if isinstance(value, str) and value in accepted:
        return ApplicationStatus(value)
    raise InvalidInput("status must be one of " + ", ".join(sorted(accepted)))


def parse_decision(decision: Any, decided_on: Any, case_reference: Any = None) -> DecisionDetails:
    """A decision from request input (decision, ISO date, optional case-system reference); 400 otherwise."""
    if not isinstance(decision, str) or decision not in set(Decision):
        raise InvalidInput("decision must be granted or refused")
    day: date | None = None
    if isinstance(decided_on, date) and not isinstance(decided_on, datetime):
        day = decided_on
    elif isinstance(decided_on, str) and len(decided_on) == 10:
        try:
            day = date.fromisoformat(decided_on)
        except ValueError:
            day = None
    if day is None:
        raise InvalidInput("decided_on must be a date (YYYY-MM-DD)")
    if case_reference is not None and (
        not isinstance(case_reference, str)
        or not case_reference.strip()
        or len(case_reference) > CASE_REFERENCE_MAX
        or not case_reference.isprintable()
    ):
        raise InvalidInput(f"case_reference must be a text of 1 to {CASE_REFERENCE_MAX} printable characters")
    return DecisionDetails(Decision(decision), day, case_reference.strip() if case_reference else None)


async def apply_change(
    db: AsyncSession,
    application: Application,
    to: ApplicationStatus,
    *,
    actor: str,
    settings: Settings,
    decision: DecisionDetails | None = None,
    now: datetime | None = None,
) -> StatusEvent:
    """Move a loaded (preferably row-locked) application to `to` and record it; no commit.

    409 (`IllegalTransition`) when the move is not allowed; `decision` is required for `decided`.
    `actor` is `caseworker:<id>`, `client:<name>`, `citizen` or `system`.
    """
    if not allowed(application.status, to):
        raise IllegalTransition(application.status, to)
    if (to == S.DECIDED) != (decision is not None):
        raise ValueError("a decision goes with the decided status, and only with it")
    now = now or datetime.now(UTC)
    details: dict[str, Any] = {"from": str(application.status), "to": str(to)}
    event = StatusEvent(application_id=application.id, status=to, actor=actor, at=now)
    application.status = to
    if to in (S.TAKEN_OVER, S.DECIDED) and application.taken_over_at is None:
        application.taken_over_at = now
        application.taken_over_by = _caseworker_id(actor)
    if decision is not None:
        application.decision = decision.decision
        application.decided_on = decision.decided_on
        application.case_reference = decision.case_reference
        event.decision = decision.decision
        event.decided_on = decision.decided_on
        event.case_reference = decision.case_reference
        details.update(decision=str(decision.decision), decided_on=decision.decided_on.isoformat())
        if decision.case_reference:
            details["case_reference"] = decision.case_reference
    db.add(event)
    if decision is not None:
        notification = await notify_decision(db, application.person_cpr, settings, now=now)
        event.notification_id = notification.id if notification is not None else None
    await db.flush()
    await audit.record(
        db,
        actor=actor,
        action=AUDIT_ACTIONS[to],
        person_cpr=application.person_cpr,
        application_reference=application.reference,
        details=details,
    )
    await _feed_changed(db, application, to)
    return event


async def change_status(
    db: AsyncSession,
    reference: str,
    to: ApplicationStatus,
    *,
    actor: str,
    settings: Settings,
    decision: DecisionDetails | None = None,
) -> Application:
    """The use case behind the inbox and the case system's routes: lock the application, move it to
    `to`, record the event, audit it, notify on a decision; commits. 404 unknown reference, 409
    illegal move (nothing changes then)."""
    application = await _locked(db, reference)
    await apply_change(db, application, to, actor=actor, settings=settings, decision=decision)
    await db.commit()
    return application


async def mark_waiting_for_citizen(
    db: AsyncSession, application: Application, *, actor: str, settings: Settings
) -> StatusEvent | None:
    """Documents were requested from the citizen: the application waits for them. No commit.

    Call it in the same transaction that sends the request (the caller has loaded the application,
    best `with_for_update()`), e.g. `await mark_waiting_for_citizen(db, application,
    actor=f"caseworker:{caseworker.id}", settings=settings)`. An application already waiting, taken
    over or decided keeps its status (a request after the take-over does not reopen it): None then.
    A change takes the case-system feed's lock (backend/applications/changes.py) until the commit:
    call it last, just before committing.
    """
    if not allowed(application.status, S.WAITING_FOR_CITIZEN):
        return None
    return await apply_change(db, application, S.WAITING_FOR_CITIZEN, actor=actor, settings=settings)


async def mark_documents_received(
    db: AsyncSession, application: Application, *, actor: str, settings: Settings
) -> StatusEvent | None:
    """The citizen sent documents: an application waiting for them is `received` again. No commit.

    Call it where the upload is tied to the application, with `actor="citizen"`, last before the
    commit (as `mark_waiting_for_citizen`); any other status is left as it is (None then).
    """
    if application.status != S.WAITING_FOR_CITIZEN:
        return None
    return await apply_change(db, application, S.RECEIVED, actor=actor, settings=settings)


async def mark_opened(
    db: AsyncSession, application: Application, *, actor: str, settings: Settings
) -> StatusEvent | None:
    """A caseworker opened a submitted application: it is `received`. No commit; None otherwise."""
    if application.status != S.SUBMITTED:
        return None
    return await apply_change(db, application, S.RECEIVED, actor=actor, settings=settings)


async def timeline(db: AsyncSession, application_id: int) -> list[StatusEvent]:
    """The application's status changes, oldest first."""
    rows = await db.execute(
        select(StatusEvent)
        .where(StatusEvent.application_id == application_id)
        .order_by(StatusEvent.at, StatusEvent.id)
    )
    return list(rows.scalars().all())


def citizen_timeline(events: list[StatusEvent]) -> list[dict[str, Any]]:
    """What the citizen is told: each status and when (UTC, ISO); not who."""
    return [{"status": e.status, "at": _iso(e.at)} for e in events]


def caseworker_timeline(events: list[StatusEvent]) -> list[dict[str, Any]]:
    """What the caseworker and the case system see: also who, and a decision's details."""
    return [
        {
            "status": e.status,
            "at": _iso(e.at),
            "actor": e.actor,
            "decision": e.decision,
            "decided_on": e.decided_on.isoformat() if e.decided_on else None,
            "case_reference": e.case_reference,
        }
        for e in events
    ]


async def record_submitted(
    db: AsyncSession, application: Application, *, actor: str = "citizen"
) -> StatusEvent:
    """The first event of a new application (flushed, no commit)."""
    event = StatusEvent(
        application_id=application.id, status=S.SUBMITTED, actor=actor, at=application.submitted_at
    )
    db.add(event)
    await db.flush()
    return event


async def _locked(db: AsyncSession, reference: str) -> Application:
    query = select(Application).where(Application.reference == reference).with_for_update()
    application = (await db.execute(query)).scalars().first()
    if application is None:
        raise NotFound("unknown application")
    return application


_FEED_KINDS = {S.TAKEN_OVER: "taken_over", S.DECIDED: "decision"}


async def _feed_changed(db: AsyncSession, application: Application, to: ApplicationStatus) -> None:
    """The case system's feed learns of the change (it holds the feed's lock until the commit, so this
    comes last in `apply_change`)."""
    await record_change(db, application, _FEED_KINDS.get(to, "status"))


def _caseworker_id(actor: str) -> int | None:
    kind, _, ident = actor.partition(":")
    return int(ident) if kind == "caseworker" and ident.isdigit() else None


def _iso(moment: datetime) -> str:
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()
