"""The application status machine: every legal and illegal move, the timeline with who and when, the
audit, and exactly one neutral notification per decision."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.applications import status as st
from backend.config import Settings
from backend.errors import InvalidInput, NotFound
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.messaging import Notification
from backend.models.outbox import OutboxMessage
from backend.models.states import ApplicationStatus, Decision
from backend.models.status_events import StatusEvent
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    MALIK,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)

S = ApplicationStatus
GRANTED = st.DecisionDetails(Decision.GRANTED, date(2026, 12, 5), "WF-2026-0042")

LEGAL = {
    (S.SUBMITTED, S.RECEIVED),
    (S.SUBMITTED, S.WAITING_FOR_CITIZEN),
    (S.SUBMITTED, S.TAKEN_OVER),
    (S.SUBMITTED, S.DECIDED),
    (S.RECEIVED, S.WAITING_FOR_CITIZEN),
    (S.RECEIVED, S.TAKEN_OVER),
    (S.RECEIVED, S.DECIDED),
    (S.WAITING_FOR_CITIZEN, S.RECEIVED),
    (S.WAITING_FOR_CITIZEN, S.TAKEN_OVER),
    (S.WAITING_FOR_CITIZEN, S.DECIDED),
    (S.TAKEN_OVER, S.DECIDED),
}
ALL_PAIRS = [(a, b) for a in S for b in S]


async def _submitted(db: AsyncSession, settings: Settings, *, language: str = "kl") -> Application:
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA, language=language)
    draft = await create_draft(db, conversation, settings)
    return (await submit_draft(db, conversation, draft.draft.id, settings)).application


async def _move(db: AsyncSession, settings: Settings, reference: str, to: ApplicationStatus) -> Application:
    return await st.change_status(
        db,
        reference,
        to,
        actor="caseworker:7",
        settings=settings,
        decision=GRANTED if to == S.DECIDED else None,
    )


async def _events(db: AsyncSession, application_id: int) -> list[StatusEvent]:
    db.expire_all()
    return await st.timeline(db, application_id)


def test_the_table_allows_exactly_the_documented_moves() -> None:
    assert {(a, b) for a, b in ALL_PAIRS if st.allowed(a, b)} == LEGAL


async def _put(db: AsyncSession, app_id: int, status: ApplicationStatus) -> None:
    """Test set-up only: place the application in `status` directly."""
    await db.execute(update(Application).where(Application.id == app_id).values(status=status))
    await db.commit()


async def test_every_legal_move_changes_the_status_and_is_recorded_with_who_and_when(
    db: AsyncSession, settings: Settings
) -> None:
    application = await _submitted(db, settings)
    ref, app_id = application.reference, application.id
    for current, to in sorted(LEGAL):
        await _put(db, app_id, current)
        count = len(await _events(db, app_id))
        moved = await _move(db, settings, ref, to)
        assert moved.status == to, (current, to)
        events = await _events(db, app_id)
        assert len(events) == count + 1
        assert (events[-1].status, events[-1].actor) == (to, "caseworker:7")
        assert events[-1].at >= events[0].at
        entry = (
            await db.execute(
                select(AuditEntry)
                .where(AuditEntry.application_reference == ref, AuditEntry.action == st.AUDIT_ACTIONS[to])
                .order_by(AuditEntry.id.desc())
                .limit(1)
            )
        ).scalar_one()
        assert entry.actor == "caseworker:7"
        assert (entry.details["from"], entry.details["to"]) == (current, to)
    assert (events[0].status, events[0].actor) == (S.SUBMITTED, "citizen")


async def test_every_illegal_move_is_409_and_changes_nothing(db: AsyncSession, settings: Settings) -> None:
    application = await _submitted(db, settings)
    ref, app_id = application.reference, application.id
    before = [e.id for e in await _events(db, app_id)]
    for current, to in sorted(set(ALL_PAIRS) - LEGAL):
        await _put(db, app_id, current)
        with pytest.raises(st.IllegalTransition) as raised:
            await _move(db, settings, ref, to)
        await db.rollback()
        assert raised.value.status == 409
        assert raised.value.body() == {
            "error": "illegal_transition",
            "message": f"an application that is {current} cannot become {to}",
        }
        assert (await db.get(Application, app_id)).status == current  # type: ignore[union-attr]
        assert [e.id for e in await _events(db, app_id)] == before


async def test_a_decision_records_its_date_and_the_case_systems_reference_and_who(
    db: AsyncSession, settings: Settings
) -> None:
    application = await _submitted(db, settings)
    ref, app_id = application.reference, application.id
    await st.change_status(
        db, ref, S.DECIDED, actor="client:winformatik", settings=settings, decision=GRANTED
    )
    db.expire_all()
    stored = await db.get(Application, app_id)
    assert stored is not None
    assert (stored.decision, stored.decided_on, stored.case_reference) == (
        "granted",
        date(2026, 12, 5),
        "WF-2026-0042",
    )
    assert stored.taken_over_at is not None and stored.taken_over_by is None  # a machine client, no id
    decided = (await _events(db, app_id))[-1]
    assert (decided.actor, decided.decision, decided.decided_on, decided.case_reference) == (
        "client:winformatik",
        "granted",
        date(2026, 12, 5),
        "WF-2026-0042",
    )


NOTICES = {
    AVIAJA: ("kl", "Boligsikringimut qinnuteqaatit pillugu nutaaqarpoq."),
    MALIK: ("da", "Der er nyt om din ansøgning om boligsikring."),
    KARIN: ("sv", "Det finns nytt om din ansökan om bostadsbidrag (boligsikring)."),
}
# What a neutral notice never carries: decision words in the three languages, names, CPR numbers.
PRIVATE = ("granted", "akuerineqarpoq", "bevilget", "beviljat", "Aviaja", "Malik", "Karin", *NOTICES)


async def test_a_decision_sends_exactly_one_neutral_notification_in_the_citizens_language(
    db: AsyncSession, settings: Settings
) -> None:
    await seed_registers(db)
    for cpr, (language, expected) in NOTICES.items():
        conversation = await create_conversation(db, cpr=cpr, language=language)
        draft = await create_draft(db, conversation, settings)
        application = (await submit_draft(db, conversation, draft.draft.id, settings)).application
        ref, app_id = application.reference, application.id
        await _move(db, settings, ref, S.DECIDED)
        with pytest.raises(st.IllegalTransition):
            await _move(db, settings, ref, S.DECIDED)  # a second decision
        await db.rollback()
        notifications = (
            (await db.execute(select(Notification).where(Notification.person_cpr == cpr))).scalars().all()
        )
        assert len(notifications) == 1 and notifications[0].language == language
        notification_id = notifications[0].id
        [sent] = (
            (await db.execute(select(OutboxMessage).where(OutboxMessage.person_cpr == cpr))).scalars().all()
        )
        assert sent.kind == "decision_notification" and sent.channel == "sms"
        assert sent.text.startswith(expected) and sent.text.endswith("/auth/login")
        assert [p for p in (*PRIVATE, ref) if p in sent.text] == []
        decided = (await _events(db, app_id))[-1]
        assert decided.notification_id == notification_id


async def test_no_other_move_sends_a_notification(db: AsyncSession, settings: Settings) -> None:
    application = await _submitted(db, settings)
    ref = application.reference
    for step in (S.RECEIVED, S.WAITING_FOR_CITIZEN, S.RECEIVED, S.TAKEN_OVER):
        await _move(db, settings, ref, step)
    assert (await db.execute(select(Notification))).scalars().all() == []


async def test_documents_requested_and_received_move_only_where_it_makes_sense(
    db: AsyncSession, settings: Settings
) -> None:
    application = await _submitted(db, settings)
    ref, app_id = application.reference, application.id
    application = await st._locked(db, ref)
    assert await st.mark_documents_received(db, application, actor="citizen", settings=settings) is None
    waiting = await st.mark_waiting_for_citizen(db, application, actor="caseworker:3", settings=settings)
    assert waiting is not None and application.status == S.WAITING_FOR_CITIZEN
    assert await st.mark_waiting_for_citizen(db, application, actor="caseworker:3", settings=settings) is None
    back = await st.mark_documents_received(db, application, actor="citizen", settings=settings)
    assert back is not None and application.status == S.RECEIVED
    await db.commit()
    await _move(db, settings, ref, S.TAKEN_OVER)
    application = await st._locked(db, ref)
    # After the take-over a request for documents leaves the status alone.
    assert await st.mark_waiting_for_citizen(db, application, actor="caseworker:3", settings=settings) is None
    await db.commit()
    events = await _events(db, app_id)
    assert [(e.status, e.actor) for e in events] == [
        (S.SUBMITTED, "citizen"),
        (S.WAITING_FOR_CITIZEN, "caseworker:3"),
        (S.RECEIVED, "citizen"),
        (S.TAKEN_OVER, "caseworker:7"),
    ]


async def test_an_unknown_reference_is_404(db: AsyncSession, settings: Settings) -> None:
    with pytest.raises(NotFound):
        await _move(db, settings, "KL-NOSUCH", S.RECEIVED)


@pytest.mark.parametrize(
    ("decision", "decided_on", "case_reference"),
    [
        ("approved", "2026-12-05", None),
        (None, "2026-12-05", None),
        ("granted", "5/12/2026", None),
        ("granted", "2026-02-30", None),
        ("granted", 20261205, None),
        ("granted", "2026-12-05T10:00:00", None),
        ("granted", "2026-12-05", ""),
        ("granted", "2026-12-05", "x" * 65),
        ("granted", "2026-12-05", "a\nb"),
        ("granted", "2026-12-05", 42),
    ],
)
def test_a_bad_decision_is_400(decision: object, decided_on: object, case_reference: object) -> None:
    with pytest.raises(InvalidInput):
        st.parse_decision(decision, decided_on, case_reference)


def test_a_status_outside_the_choices_is_400() -> None:
    choices = frozenset({S.RECEIVED, S.TAKEN_OVER})
    assert st.parse_status("received", choices=choices) == S.RECEIVED
    for bad in ("decided", "waiting_for_citizen", "RECEIVED", "", None, 3, ["received"]):
        with pytest.raises(InvalidInput):
            st.parse_status(bad, choices=choices)


def test_the_citizen_timeline_tells_when_and_what_but_not_who() -> None:
    from datetime import UTC, datetime

    events = [StatusEvent(status=S.SUBMITTED, actor="citizen", at=datetime(2026, 12, 5, 9, 0, tzinfo=UTC))]
    assert st.citizen_timeline(events) == [{"status": "submitted", "at": "2026-12-05T09:00:00+00:00"}]


async def test_the_digest_does_not_count_an_application_waiting_for_the_citizen(
    db: AsyncSession, settings: Settings
) -> None:
    from backend.scheduler import waiting_count

    application = await _submitted(db, settings)
    ref = application.reference
    assert await waiting_count(db) == 1
    await _move(db, settings, ref, S.WAITING_FOR_CITIZEN)
    assert await waiting_count(db) == 0
    await _move(db, settings, ref, S.RECEIVED)  # the documents arrived
    assert await waiting_count(db) == 1
