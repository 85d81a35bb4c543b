"""The inbox pages for search, journal notes, "My tasks", letters and letter templates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.casework import local_today
from backend.models.audit import AuditEntry
from backend.models.casework import CaseTask, LetterTemplate
from backend.models.messaging import SecureMessage
from backend.models.states import TaskState
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
