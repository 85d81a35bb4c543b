"""The inbox pages for search, journal notes (on an application, and on a person from the thread
page), "My tasks", letters and letter templates (also whether a letter asks for documents)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.casework import local_today
from backend.inbox.i18n import translate
from backend.messaging.service import caseworker_writes
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.casework import CaseTask, JournalNote, LetterTemplate
from backend.models.documents import DocumentRequest
from backend.models.messaging import SecureMessage
from backend.models.states import ApplicationStatus, TaskState
from backend.persons.export import export_person
from tests.backend.applications.factories import (
    AVIAJA,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker, log_in


async def test_a_caseworkers_day_on_the_pages_search_note_task_letter_and_the_admins_templates(
    app, db: AsyncSession, settings
) -> None:
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA, language="da")
    draft = await create_draft(db, conversation, settings)
    reference = (await submit_draft(db, conversation, draft.draft.id, settings)).application.reference
    db.add(
        LetterTemplate(
            key="lease_copy", language="da", title="Lejekontrakt", body="Kære {name}\n{date}\n{text}"
        )
    )
    await db.commit()
    await create_caseworker(db)
    session = await log_in(app)

    async def post(path: str, **fields: str):  # type: ignore[no-untyped-def]
        _, response = await app.asgi_client.post(
            path,
            data={"csrf_token": session.csrf, **fields},
            headers=session.cookie_only,
            follow_redirects=False,
        )
        return response

    # The search box is on every page; the search is a POST (no CPR number in a URL), and audited.
    _, inbox = await app.asgi_client.get("/inbox/tasks", headers=session.cookie_only)
    assert 'action="/inbox/search"' in inbox.text and 'method="post"' in inbox.text
    found = await post("/inbox/search", q="070886-1234")
    assert found.status == 200 and f'href="/inbox/applications/{reference}"' in found.text
    assert "Aviaja Lyberth" in found.text
    assert (await db.execute(select(AuditEntry).where(AuditEntry.action == "applications_searched"))).first()
    assert (await post("/inbox/search", q="?!")).status == 400

    # A journal note and a reminder from the application page.
    assert (await post(f"/inbox/applications/{reference}/notes", text="Ringet til udlejer.")).status == 302
    today = local_today(settings)
    due = (today + timedelta(days=10)).isoformat()
    assert (
        await post(f"/inbox/applications/{reference}/tasks", due=due, text="Lejekontrakt modtaget?")
    ).status == 302
    _, detail = await app.asgi_client.get(f"/inbox/applications/{reference}", headers=session.cookie_only)
    assert "Ringet til udlejer." in detail.text and "Lejekontrakt modtaget?" in detail.text
    assert (await post(f"/inbox/applications/{reference}/tasks", due="2020-01-01", text="x")).status == 400

    # "My tasks": an overdue task is marked in words, not only by colour, and can be marked done.
    db.add(
        CaseTask(
            application_reference=reference,
            person_cpr=AVIAJA,
            caseworker_id=session.caseworker_id,
            due=today - timedelta(days=2),
            text="Lønsedler modtaget?",
            state=TaskState.OPEN,
        )
    )
    await db.commit()
    _, tasks = await app.asgi_client.get("/inbox/tasks", headers=session.cookie_only)
    assert tasks.text.count('class="task-overdue"') == 1 and 'class="overdue"' in tasks.text
    overdue_id = (await db.execute(select(CaseTask.id).where(CaseTask.due < today))).scalar_one()
    assert (await post(f"/inbox/tasks/{overdue_id}/complete", return_to="tasks")).headers[
        "location"
    ] == "/inbox/tasks"
    _, tasks = await app.asgi_client.get("/inbox/tasks", headers=session.cookie_only)
    assert "Lønsedler modtaget?" not in tasks.text

    # A letter: composed in Danish (the citizen's language) with the name filled; an unfilled field
    # blocks sending and the caseworker's text comes back untouched.
    _, letter = await app.asgi_client.get(
        f"/inbox/applications/{reference}/letter", headers=session.cookie_only
    )
    assert "Lejekontrakt" in letter.text
    template_id = (
        await db.execute(select(LetterTemplate.id).where(LetterTemplate.key == "lease_copy"))
    ).scalar_one()
    composed = await post(f"/inbox/applications/{reference}/letter/compose", template_id=str(template_id))
    assert "Kære Aviaja Lyberth" in composed.text and "{date}" in composed.text
    edited = "Kære Aviaja Lyberth\n{date}\nSend venligst kontrakten."
    blocked = await post(
        f"/inbox/applications/{reference}/letter/send", text=edited, template_id=str(template_id)
    )
    assert blocked.status == 400 and "{date}" in blocked.text and "Send venligst kontrakten." in blocked.text
    assert (await db.execute(select(SecureMessage))).first() is None
    sent = await post(
        f"/inbox/applications/{reference}/letter/send",
        text="Kære Aviaja Lyberth\nSend venligst kontrakten.",
        template_id=str(template_id),
    )
    assert sent.status == 302
    assert (
        await db.execute(select(SecureMessage.text))
    ).scalar_one() == "Kære Aviaja Lyberth\nSend venligst kontrakten."

    # Letter templates are for administrators only.
    _, refused = await app.asgi_client.get("/inbox/admin/letter-templates", headers=session.cookie_only)
    assert refused.status == 403
    # An administrator maintains the templates on the page.
    await create_caseworker(db, username="inuk", role="administrator")
    admin = await log_in(app, "inuk")

    async def admin_post(path: str, **fields: str):  # type: ignore[no-untyped-def]
        _, response = await app.asgi_client.post(
            path, data={"csrf_token": admin.csrf, **fields}, headers=admin.cookie_only, follow_redirects=False
        )
        return response

    fields = {"key": "payslip_copy", "language": "sv", "title": "Lönebesked", "body": "Hej {name}, {date}"}
    assert (await admin_post("/inbox/admin/letter-templates", **fields)).status == 302
    bad = await admin_post(
        "/inbox/admin/letter-templates", **{**fields, "key": "other", "body": "Hej {namn}"}
    )
    assert bad.status == 400 and "{namn}" in bad.text
    template = (
        await db.execute(select(LetterTemplate).where(LetterTemplate.key == "payslip_copy"))
    ).scalar_one()
    _, listed = await app.asgi_client.get("/inbox/admin/letter-templates", headers=admin.cookie_only)
    assert "Lönebesked" in listed.text
    changed = await admin_post(
        f"/inbox/admin/letter-templates/{template.id}", **{**fields, "title": "Begäran om lönebesked"}
    )
    assert changed.status == 302
    await db.refresh(template)
    assert template.title == "Begäran om lönebesked"
    assert (await admin_post(f"/inbox/admin/letter-templates/{template.id}/delete")).status == 302
    assert (
        await db.execute(select(LetterTemplate).where(LetterTemplate.key == "payslip_copy"))
    ).first() is None


async def _danish_application(db: AsyncSession, settings) -> str:  # type: ignore[no-untyped-def]
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA, language="da")
    draft = await create_draft(db, conversation, settings)
    return (await submit_draft(db, conversation, draft.draft.id, settings)).application.reference


async def test_the_letter_form_says_whether_the_chosen_template_asks_for_documents_and_sending_it_does(
    app, db: AsyncSession, settings
) -> None:
    reference = await _danish_application(db, settings)
    lease = LetterTemplate(
        key="lease_request", language="da", title="Lejekontrakt", body="Kære {name}", requests_documents=True
    )
    decision = LetterTemplate(key="decision", language="da", title="Afgørelse", body="Kære {name}")
    db.add_all([lease, decision])
    await db.commit()
    await create_caseworker(db)
    session = await log_in(app)

    async def post(path: str, **fields: str):  # type: ignore[no-untyped-def]
        _, response = await app.asgi_client.post(
            path,
            data={"csrf_token": session.csrf, **fields},
            headers=session.cookie_only,
            follow_redirects=False,
        )
        return response

    asks_label = translate("da", "{title} (asks for documents)", title="Lejekontrakt")
    assert asks_label != "Lejekontrakt (asks for documents)"  # the page is in the caseworker's Danish
    _, form = await app.asgi_client.get(
        f"/inbox/applications/{reference}/letter", headers=session.cookie_only
    )
    assert f'<option value="{lease.id}">{asks_label}</option>' in form.text
    assert f'<option value="{decision.id}">Afgørelse</option>' in form.text

    composed = await post(f"/inbox/applications/{reference}/letter/compose", template_id=str(lease.id))
    assert composed.status == 200 and 'class="alert alert-info letter-kind"' in composed.text
    plain = await post(f"/inbox/applications/{reference}/letter/compose", template_id=str(decision.id))
    assert plain.status == 200 and '<p class="letter-kind">' in plain.text and "alert-info" not in plain.text
    # Refused for an unfilled field, the form still says that the letter asks for documents.
    blocked = await post(
        f"/inbox/applications/{reference}/letter/send", text="Kære {name}", template_id=str(lease.id)
    )
    assert blocked.status == 400 and 'class="alert alert-info letter-kind"' in blocked.text

    sent = await post(
        f"/inbox/applications/{reference}/letter/send", text="Kære Aviaja Lyberth", template_id=str(lease.id)
    )
    assert sent.status == 302
    request = (await db.execute(select(DocumentRequest))).scalars().one()
    assert request.text == "Kære Aviaja Lyberth" and request.application_reference == reference
    application = (
        await db.execute(select(Application).where(Application.reference == reference))
    ).scalar_one()
    assert application.status == ApplicationStatus.WAITING_FOR_CITIZEN


async def test_an_administrator_ticks_and_unticks_asks_for_documents_on_the_template_page(
    app, db: AsyncSession
) -> None:
    await create_caseworker(db, username="inuk", role="administrator")
    admin = await log_in(app, "inuk")

    async def admin_post(path: str, **fields: str):  # type: ignore[no-untyped-def]
        _, response = await app.asgi_client.post(
            path, data={"csrf_token": admin.csrf, **fields}, headers=admin.cookie_only, follow_redirects=False
        )
        return response

    _, empty_form = await app.asgi_client.get("/inbox/admin/letter-templates", headers=admin.cookie_only)
    assert 'name="requests_documents" value="1">' in empty_form.text  # unticked for a new template
    fields = {"key": "lease_copy", "language": "da", "title": "Lejekontrakt", "body": "Kære {name}"}
    assert (await admin_post("/inbox/admin/letter-templates", **fields, requests_documents="1")).status == 302
    template = (await db.execute(select(LetterTemplate))).scalars().one()
    assert template.requests_documents is True
    _, edit = await app.asgi_client.get(
        f"/inbox/admin/letter-templates/{template.id}", headers=admin.cookie_only
    )
    assert 'name="requests_documents" value="1" checked>' in edit.text
    # The form sent without the box ticked clears the flag.
    assert (await admin_post(f"/inbox/admin/letter-templates/{template.id}", **fields)).status == 302
    await db.refresh(template)
    assert template.requests_documents is False
    audited = (
        await db.execute(
            select(AuditEntry.action, AuditEntry.details)
            .where(AuditEntry.action.like("letter_template_%"))
            .order_by(AuditEntry.id)
        )
    ).all()
    assert [(a, d["requests_documents"]) for a, d in audited] == [
        ("letter_template_created", True),
        ("letter_template_updated", False),
    ]


async def test_a_note_on_the_person_written_on_the_thread_page_is_listed_there_audited_and_exported(
    app, db: AsyncSession, settings
) -> None:
    reference = await _danish_application(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    message = await caseworker_writes(
        db,
        caseworker_id=session.caseworker_id,
        cpr=AVIAJA,
        application_reference=None,
        text="Hej Aviaja",
        settings=settings,
    )
    db.add(
        JournalNote(
            person_cpr=AVIAJA,
            application_reference=reference,
            caseworker_id=session.caseworker_id,
            text="Om ansøgningen",
        )
    )
    await db.commit()
    base = f"/inbox/messages/{message.thread_id}"
    _, thread = await app.asgi_client.get(base, headers=session.cookie_only)
    assert f'action="{base}/notes"' in thread.text and 'name="csrf_token"' in thread.text
    assert "Om ansøgningen" in thread.text and f'href="/inbox/applications/{reference}"' in thread.text

    _, forged = await app.asgi_client.post(
        f"{base}/notes", data={"csrf_token": "forged", "text": "x"}, headers=session.cookie_only
    )
    assert forged.status == 403
    _, empty = await app.asgi_client.post(
        f"{base}/notes", data={"csrf_token": session.csrf, "text": "  "}, headers=session.cookie_only
    )
    assert empty.status == 400
    _, unknown = await app.asgi_client.post(
        "/inbox/messages/999999/notes",
        data={"csrf_token": session.csrf, "text": "x"},
        headers=session.cookie_only,
    )
    assert unknown.status == 404
    _, saved = await app.asgi_client.post(
        f"{base}/notes",
        data={"csrf_token": session.csrf, "text": "Ringer helst efter kl. 14 <b>"},
        headers=session.cookie_only,
        follow_redirects=False,
    )
    assert saved.status == 302 and saved.headers["location"] == base
    note = (
        (await db.execute(select(JournalNote).where(JournalNote.application_reference.is_(None))))
        .scalars()
        .one()
    )
    assert (note.person_cpr, note.caseworker_id) == (AVIAJA, session.caseworker_id)

    _, thread = await app.asgi_client.get(base, headers=session.cookie_only)
    assert "Ringer helst efter kl. 14 &lt;b&gt;" in thread.text
    added = (
        await db.execute(
            select(AuditEntry.actor, AuditEntry.person_cpr, AuditEntry.application_reference).where(
                AuditEntry.action == "journal_note_added"
            )
        )
    ).all()
    assert added == [(f"caseworker:{session.caseworker_id}", AVIAJA, None)]
    read = await db.execute(select(AuditEntry.person_cpr).where(AuditEntry.action == "journal_notes_read"))
    assert set(read.scalars().all()) == {AVIAJA}
    record = await export_person(db, settings, AVIAJA)
    assert [(n["text"], n["application_reference"]) for n in record["journal_notes"]] == [
        ("Om ansøgningen", reference),
        ("Ringer helst efter kl. 14 <b>", None),
    ]
    _, api = await app.asgi_client.get(
        f"/api/caseworker/threads/{message.thread_id}", headers=session.headers
    )
    assert [n["text"] for n in api.json["notes"]] == ["Om ansøgningen", "Ringer helst efter kl. 14 <b>"]
