"""Journal notes and follow-up tasks: in the detail, the exports and the digest; purged with the
application's history; bad input answered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.casework import add_application_note, add_person_note, local_today
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.casework import CaseTask, JournalNote
from backend.models.outbox import OutboxMessage
from backend.models.states import ApplicationStatus, TaskState
from backend.persons.export import export_person
from backend.scheduler import purge, send_digest
from tests.backend.applications.factories import (
    AVIAJA,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker, log_in


async def _submitted(db: AsyncSession, settings, now: datetime | None = None) -> Application:  # type: ignore[no-untyped-def]
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA)
    draft = await create_draft(db, conversation, settings, now=now)
    return (await submit_draft(db, conversation, draft.draft.id, settings, now=now)).application


async def test_notes_on_an_application_and_a_person_are_in_the_detail_and_both_exports_and_audited(
    app, db: AsyncSession, settings
) -> None:
    application = await _submitted(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    base = f"/api/caseworker/applications/{application.reference}"
    _, note = await app.asgi_client.post(
        f"{base}/notes", json={"text": "Lease checked by phone with INI."}, headers=session.headers
    )
    assert note.status == 201, note.text
    assert (note.json["application_reference"], note.json["caseworker"]) == (application.reference, "pipaluk")
    _, person_note = await app.asgi_client.post(
        "/api/caseworker/persons/notes",
        json={"cpr": "070886-1234", "text": "Prefers phone calls after 14."},
        headers=session.headers,
    )
    assert person_note.status == 201 and person_note.json["application_reference"] is None

    _, detail = await app.asgi_client.get(base, headers=session.headers)
    assert [(n["text"], n["application_reference"]) for n in detail.json["notes"]] == [
        ("Lease checked by phone with INI.", application.reference),
        ("Prefers phone calls after 14.", None),
    ]
    _, exported = await app.asgi_client.get(f"{base}/export.json", headers=session.headers)
    assert [n["text"] for n in exported.json["notes"]] == [
        "Lease checked by phone with INI.",
        "Prefers phone calls after 14.",
    ]
    _, read = await app.asgi_client.post(
        "/api/caseworker/persons/notes/read", json={"cpr": AVIAJA}, headers=session.headers
    )
    assert len(read.json["notes"]) == 2
    record = await export_person(db, settings, AVIAJA)
    assert [n["text"] for n in record["journal_notes"]] == [
        "Lease checked by phone with INI.",
        "Prefers phone calls after 14.",
    ]
    audited = await db.execute(
        select(AuditEntry.action, AuditEntry.person_cpr, AuditEntry.application_reference).where(
            AuditEntry.action.in_(("journal_note_added", "journal_notes_read"))
        )
    )
    assert sorted(audited.all(), key=lambda row: (row[0], row[2] or "")) == [
        ("journal_note_added", AVIAJA, None),
        ("journal_note_added", AVIAJA, application.reference),
        ("journal_notes_read", AVIAJA, None),
    ]

    # Bad input: a clear 4xx, nothing stored.
    for path, body, status in (
        (f"{base}/notes", {"text": ""}, 400),
        (f"{base}/notes", {"text": "x" * 4001}, 400),
        (f"{base}/notes", {"note": "x"}, 400),
        (f"{base}/notes", {"text": "\x00\x07 "}, 400),
        ("/api/caseworker/applications/KL-NOSUCH/notes", {"text": "x"}, 404),
        ("/api/caseworker/persons/notes", {"cpr": "not-a-cpr!", "text": "x"}, 400),
        ("/api/caseworker/persons/notes", {"cpr": "0101011234", "text": "x"}, 404),
    ):
        _, response = await app.asgi_client.post(path, json=body, headers=session.headers)
        assert response.status == status and "error" in response.json, (path, body, response.text)
    _, forged = await app.asgi_client.post(f"{base}/notes", json={"text": "x"}, headers=session.cookie_only)
    assert forged.status == 403
    assert len((await db.execute(select(JournalNote))).scalars().all()) == 2


async def test_tasks_are_listed_mine_first_marked_overdue_completed_once_and_in_the_detail(
    app, db: AsyncSession, settings
) -> None:
    application = await _submitted(db, settings)
    colleague = await create_caseworker(db, username="malik")
    await create_caseworker(db)
    session = await log_in(app)
    today = local_today(settings)
    in_ten_days = (today + timedelta(days=10)).isoformat()
    _, mine = await app.asgi_client.post(
        "/api/caseworker/tasks",
        json={"application_reference": application.reference, "due": in_ten_days, "text": "Lease received?"},
        headers=session.headers,
    )
    assert mine.status == 201, mine.text
    assert (mine.json["state"], mine.json["overdue"], mine.json["caseworker"]) == ("open", False, "pipaluk")
    _, theirs = await app.asgi_client.post(
        "/api/caseworker/tasks",
        json={
            "application_reference": application.reference,
            "due": today.isoformat(),
            "text": "Call the landlord",
            "caseworker_id": colleague.id,
        },
        headers=session.headers,
    )
    assert theirs.status == 201 and theirs.json["caseworker"] == "malik"
    # Set ten days ago, now past its due day (the API takes no past dates).
    db.add(
        CaseTask(
            application_reference=application.reference,
            person_cpr=AVIAJA,
            caseworker_id=session.caseworker_id,
            due=today - timedelta(days=1),
            text="Payslips received?",
            state=TaskState.OPEN,
        )
    )
    await db.commit()

    _, listed = await app.asgi_client.get("/api/caseworker/tasks?mine=1", headers=session.headers)
    assert [(t["text"], t["overdue"]) for t in listed.json["tasks"]] == [
        ("Payslips received?", True),
        ("Lease received?", False),
    ]
    _, everyone = await app.asgi_client.get("/api/caseworker/tasks", headers=session.headers)
    assert len(everyone.json["tasks"]) == 3
    overdue_id = listed.json["tasks"][0]["id"]
    _, done = await app.asgi_client.post(
        f"/api/caseworker/tasks/{overdue_id}/complete", headers=session.headers
    )
    assert (done.status, done.json["state"], done.json["overdue"], done.json["completed_by"]) == (
        200,
        "done",
        False,
        "pipaluk",
    )
    _, again = await app.asgi_client.post(
        f"/api/caseworker/tasks/{overdue_id}/complete", headers=session.headers
    )
    assert again.status == 409 and again.json["error"] == "task_done"
    _, listed = await app.asgi_client.get("/api/caseworker/tasks?mine=1", headers=session.headers)
    assert [t["text"] for t in listed.json["tasks"]] == ["Lease received?"]
    _, finished = await app.asgi_client.get(
        "/api/caseworker/tasks?mine=1&state=done", headers=session.headers
    )
    assert [t["text"] for t in finished.json["tasks"]] == ["Payslips received?"]
    _, detail = await app.asgi_client.get(
        f"/api/caseworker/applications/{application.reference}", headers=session.headers
    )
    assert sorted(t["text"] for t in detail.json["tasks"]) == [
        "Call the landlord",
        "Lease received?",
        "Payslips received?",
    ]
    assert {"task_created", "task_completed", "tasks_listed"} <= set(
        (await db.execute(select(AuditEntry.action))).scalars().all()
    )

    for body, status, code in (
        (
            {"application_reference": application.reference, "due": "2026-13-01", "text": "x"},
            400,
            "invalid_input",
        ),
        (
            {
                "application_reference": application.reference,
                "due": (today - timedelta(days=1)).isoformat(),
                "text": "x",
            },
            400,
            "due_in_past",
        ),
        (
            {"application_reference": application.reference, "due": in_ten_days, "text": ""},
            400,
            "invalid_input",
        ),
        ({"application_reference": application.reference, "due": in_ten_days}, 400, "invalid_input"),
        ({"application_reference": "KL-NOSUCH", "due": in_ten_days, "text": "x"}, 404, "not_found"),
        (
            {
                "application_reference": application.reference,
                "due": in_ten_days,
                "text": "x",
                "caseworker_id": 999,
            },
            400,
            "invalid_input",
        ),
    ):
        _, response = await app.asgi_client.post("/api/caseworker/tasks", json=body, headers=session.headers)
        assert (response.status, response.json["error"]) == (status, code), (body, response.text)
    _, response = await app.asgi_client.get("/api/caseworker/tasks?state=later", headers=session.headers)
    assert response.status == 400
    _, response = await app.asgi_client.post("/api/caseworker/tasks/99999/complete", headers=session.headers)
    assert response.status == 404
    assert len((await db.execute(select(CaseTask))).scalars().all()) == 3


async def test_the_digest_tells_each_designated_caseworker_only_the_count_of_their_overdue_tasks(
    db: AsyncSession, settings
) -> None:
    application = await _submitted(db, settings)
    application.status = ApplicationStatus.TAKEN_OVER  # nothing waits in the inbox
    busy = await create_caseworker(db, username="busy", email="busy@example.gl", designated_for_digest=True)
    idle = await create_caseworker(db, username="idle", email="idle@example.gl", designated_for_digest=True)
    now = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)  # a Monday, 09:30 in Nuuk
    today = local_today(settings, now)
    for days, state in ((1, TaskState.OPEN), (5, TaskState.OPEN), (3, TaskState.DONE), (-1, TaskState.OPEN)):
        db.add(
            CaseTask(
                application_reference=application.reference,
                person_cpr=AVIAJA,
                caseworker_id=busy.id,
                due=today - timedelta(days=days),
                text="Check the lease of Aviaja Lyberth",
                state=state,
            )
        )
    db.add(
        CaseTask(
            application_reference=application.reference,
            person_cpr=AVIAJA,
            caseworker_id=idle.id,
            due=today,
            text="Due today, not overdue",
            state=TaskState.OPEN,
        )
    )
    await db.commit()
    assert await send_digest(db, settings, slot="2026-12-07", now=now) == 1
    [mail] = (await db.execute(select(OutboxMessage))).scalars().all()
    assert mail.recipient == "busy@example.gl"
    assert " 2 " in f" {mail.text} " and "/inbox/tasks" in mail.text
    for personal in ("Aviaja", "Lyberth", AVIAJA, application.reference, "lease"):
        assert personal not in mail.text and personal not in (mail.subject or "")
    run = (await db.execute(select(AuditEntry).where(AuditEntry.action == "digest_run"))).scalars().one()
    assert run.details["overdue_tasks"] == 2


async def test_notes_and_tasks_are_purged_with_the_applications_history(db: AsyncSession, settings) -> None:
    long_ago = datetime(2023, 1, 10, tzinfo=UTC)
    application = await _submitted(db, settings, now=long_ago)
    application.status = ApplicationStatus.TAKEN_OVER
    application.taken_over_at = datetime(2023, 1, 11, tzinfo=UTC)
    caseworker = await create_caseworker(db)
    await add_application_note(db, caseworker, application.reference, "On the application")
    note = await add_person_note(db, caseworker, AVIAJA, "On the person")
    note.created_at = long_ago
    await add_person_note(db, caseworker, AVIAJA, "Recent note on the person")
    db.add(
        CaseTask(
            application_reference=application.reference,
            person_cpr=AVIAJA,
            caseworker_id=caseworker.id,
            due=long_ago.date(),
            text="Follow up",
        )
    )
    await db.commit()
    counts = await purge(db, settings, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert (counts["applications"], counts["journal_notes"], counts["case_tasks"]) == (1, 2, 1)
    db.expunge_all()
    assert [n.text for n in (await db.execute(select(JournalNote))).scalars()] == [
        "Recent note on the person"
    ]
    assert (await db.execute(select(CaseTask))).first() is None
