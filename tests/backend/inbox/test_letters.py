"""Letter templates: maintained by administrators only (audited), composed in the citizen's language
with merge fields filled, edited and sent; an unfilled merge field blocks sending; a letter from a
template that asks for documents is a document request."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from sqlalchemy import create_engine, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.documents import service as documents
from backend.inbox.casework import plain
from backend.inbox.letters import fields_in, fill
from backend.migrations.runner import upgrade_to_head
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.casework import LetterTemplate
from backend.models.documents import DocumentRequest
from backend.models.messaging import SecureMessage
from backend.models.outbox import OutboxMessage
from backend.models.states import ApplicationStatus
from tests.backend.applications.factories import (
    AVIAJA,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.documents import samples
from tests.backend.inbox.factories import create_caseworker, log_in

LEASE_KL = "{name}\n{period} ({reference}): lejekontraktit kingusinnerpaamik {date} nassiutiguk.\n{text}"
LEASE_DA = "Kære {name}\nSend din lejekontrakt for {period} ({reference}) senest {date}.\n{text}"


def test_fill_replaces_known_fields_and_leaves_the_rest() -> None:
    filled = fill("{name}, {date} {unknown} {{name}}", {"name": "Aviaja"})
    assert filled == "Aviaja, {date} {unknown} {Aviaja}"
    assert fields_in(filled) == ["date"]


async def test_only_administrators_maintain_templates_and_every_change_is_audited(
    app, db: AsyncSession
) -> None:
    await create_caseworker(db, username="inuk", role="administrator")
    await create_caseworker(db)
    admin = await log_in(app, "inuk")
    caseworker = await log_in(app)
    url = "/api/caseworker/admin/letter-templates"
    body = {"key": "lease_copy", "language": "da", "title": "Lejekontrakt", "body": LEASE_DA}
    _, refused = await app.asgi_client.post(url, json=body, headers=caseworker.headers)
    assert refused.status == 403
    _, created = await app.asgi_client.post(url, json=body, headers=admin.headers)
    assert created.status == 201, created.text
    assert created.json["fields"] == ["name", "period", "reference", "date", "text"]
    template_id = created.json["id"]
    _, duplicate = await app.asgi_client.post(url, json=body, headers=admin.headers)
    assert duplicate.status == 409
    _, unknown_field = await app.asgi_client.post(
        url, json={**body, "key": "other", "body": "Dear {nmae}"}, headers=admin.headers
    )
    assert unknown_field.status == 400 and "{nmae}" in unknown_field.json["message"]
    for bad in (
        {**body, "language": "en"},
        {**body, "key": "Has Spaces"},
        {**body, "title": ""},
        {"key": "x"},
    ):
        _, response = await app.asgi_client.post(url, json=bad, headers=admin.headers)
        assert response.status == 400, bad
    _, changed = await app.asgi_client.patch(
        f"{url}/{template_id}", json={"title": "Anmodning om lejekontrakt"}, headers=admin.headers
    )
    assert changed.status == 200 and changed.json["title"] == "Anmodning om lejekontrakt"
    _, refused = await app.asgi_client.patch(
        f"{url}/{template_id}", json={"title": "x"}, headers=caseworker.headers
    )
    assert refused.status == 403
    _, refused = await app.asgi_client.delete(f"{url}/{template_id}", headers=caseworker.headers)
    assert refused.status == 403
    _, listed = await app.asgi_client.get(
        "/api/caseworker/letter-templates?language=da", headers=caseworker.headers
    )
    # (The templates the migration seeds may be there too.)
    assert [t["title"] for t in listed.json["templates"] if t["key"] == "lease_copy"] == [
        "Anmodning om lejekontrakt"
    ]
    _, deleted = await app.asgi_client.delete(f"{url}/{template_id}", headers=admin.headers)
    assert deleted.status == 200
    _, missing = await app.asgi_client.delete(f"{url}/{template_id}", headers=admin.headers)
    assert missing.status == 404
    actions = (
        await db.execute(
            select(AuditEntry.action, AuditEntry.actor)
            .where(AuditEntry.action.like("letter_template_%"))
            .order_by(AuditEntry.id)
        )
    ).all()
    assert actions == [
        ("letter_template_created", f"caseworker:{admin.caseworker_id}"),
        ("letter_template_updated", f"caseworker:{admin.caseworker_id}"),
        ("letter_template_deleted", f"caseworker:{admin.caseworker_id}"),
    ]


async def test_a_letter_is_composed_in_the_citizens_language_and_unfilled_fields_block_sending(
    app, db: AsyncSession, settings
) -> None:
    await seed_registers(db)
    conversation = await create_conversation(db, language="kl")
    draft = await create_draft(db, conversation, settings)
    application = (await submit_draft(db, conversation, draft.draft.id, settings)).application
    await create_caseworker(db, username="inuk", role="administrator")
    admin = await log_in(app, "inuk")
    ids = {}
    for lang, letter in (("kl", LEASE_KL), ("da", LEASE_DA)):
        _, created = await app.asgi_client.post(
            "/api/caseworker/admin/letter-templates",
            json={"key": "lease_copy", "language": lang, "title": "Lease", "body": letter},
            headers=admin.headers,
        )
        ids[lang] = created.json["id"]
    base = f"/api/caseworker/applications/{application.reference}/letters"

    # By key: the version in the application's language (kl); name, reference and period filled.
    _, composed = await app.asgi_client.post(
        f"{base}/compose", json={"key": "lease_copy"}, headers=admin.headers
    )
    assert composed.status == 200, composed.text
    assert composed.json["language"] == "kl" and composed.json["template_id"] == ids["kl"]
    assert composed.json["text"].startswith("Aviaja Lyberth\n")
    assert application.reference in composed.json["text"]
    assert composed.json["missing"] == ["date", "text"]
    # Sending the draft as it is: refused, the fields named; nothing sent.
    _, blocked = await app.asgi_client.post(
        base, json={"text": composed.json["text"], "template_id": ids["kl"]}, headers=admin.headers
    )
    assert blocked.status == 400
    assert blocked.json["error"] == "unfilled_merge_fields" and blocked.json["fields"] == ["date", "text"]
    assert "{date}" in blocked.json["message"] and "{text}" in blocked.json["message"]
    assert (await db.execute(select(SecureMessage))).first() is None
    # A template in another language than the citizen's is refused.
    _, other = await app.asgi_client.post(
        f"{base}/compose", json={"template_id": ids["da"]}, headers=admin.headers
    )
    assert other.status == 400 and other.json["error"] == "template_language"
    # With the date and the free text, then edited by the caseworker, it is sent.
    _, composed = await app.asgi_client.post(
        f"{base}/compose",
        json={"template_id": ids["kl"], "date": "2026-12-15", "text": "Qujanaq."},
        headers=admin.headers,
    )
    assert composed.json["missing"] == []
    assert "2026" in composed.json["text"] and "{date}" not in composed.json["text"]
    edited = composed.json["text"] + "\nPipaluk"
    _, sent = await app.asgi_client.post(
        base, json={"text": edited, "template_id": ids["kl"]}, headers=admin.headers
    )
    assert sent.status == 201, sent.text
    message = (await db.execute(select(SecureMessage))).scalars().one()
    assert message.text == edited and message.sender == "caseworker"
    actions = set((await db.execute(select(AuditEntry.action))).scalars().all())
    assert {"letter_composed", "letter_sent", "message_sent"} <= actions

    for path, body, status in (
        (f"{base}/compose", {}, 400),
        (f"{base}/compose", {"template_id": 99999}, 404),
        (f"{base}/compose", {"key": "no_such_letter"}, 404),
        (f"{base}/compose", {"template_id": ids["kl"], "date": "15.12.2026"}, 400),
        (base, {"text": ""}, 400),
        ("/api/caseworker/applications/KL-NOSUCH/letters", {"text": "Hello"}, 404),
    ):
        _, response = await app.asgi_client.post(path, json=body, headers=admin.headers)
        assert response.status == status and "error" in response.json, (path, body, response.text)


def test_the_migration_seeds_lease_payslip_and_decision_letters_in_kl_da_and_sv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    upgrade_to_head(url)
    with create_engine(url).connect() as connection:
        rows = connection.execute(text("SELECT key, language, body FROM letter_templates")).all()
    assert sorted((key, language) for key, language, _ in rows) == [
        (key, language)
        for key in ("decision", "lease_request", "payslips")
        for language in ("da", "kl", "sv")
    ]
    for key, language, body in rows:
        assert set(fields_in(body)) == {"name", "period", "reference", "date", "text"}, (key, language)
        assert not re.findall(r"\{(?!(?:name|reference|period|date|text)\})", body), (key, language)


def test_the_migration_marks_the_seeded_lease_and_payslip_letters_as_asking_for_documents(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    upgrade_to_head(url)
    with create_engine(url).connect() as connection:
        rows = connection.execute(text("SELECT key, requests_documents FROM letter_templates")).all()
    asking = {key for key, flag in rows if flag}
    assert asking == {"lease_request", "payslips"}
    assert len(rows) == 9


# --- letters that ask for documents ------------------------------------------------------------

LEASE_LETTER = "Kære {name}\nSend en kopi af din lejekontrakt senest {date}.\n{text}"


async def _application_and_templates(db: AsyncSession, settings: Settings) -> tuple[Application, int, int]:
    """A submitted Danish application, a template that asks for documents and a plain one."""
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA, language="da")
    draft = await create_draft(db, conversation, settings)
    application = (await submit_draft(db, conversation, draft.draft.id, settings)).application
    lease = LetterTemplate(
        key="lease_request", language="da", title="Lejekontrakt", body=LEASE_LETTER, requests_documents=True
    )
    plain_letter = LetterTemplate(key="decision", language="da", title="Afgørelse", body="Kære {name}")
    db.add_all([lease, plain_letter])
    await db.commit()
    return application, lease.id, plain_letter.id


async def test_a_lease_letter_records_a_request_moves_the_status_notifies_once_and_ties_the_upload(
    app, db: AsyncSession, settings: Settings, tmp_path: Path
) -> None:
    settings = dataclasses.replace(settings, documents_dir=tmp_path / "documents")
    application, lease_id, _ = await _application_and_templates(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    base = f"/api/caseworker/applications/{application.reference}/letters"
    _, composed = await app.asgi_client.post(
        f"{base}/compose",
        json={"template_id": lease_id, "date": "2026-12-15", "text": "Tak."},
        headers=session.headers,
    )
    assert composed.status == 200 and composed.json["requests_documents"] is True
    letter = composed.json["text"]

    _, sent = await app.asgi_client.post(
        base, json={"text": letter, "template_id": lease_id}, headers=session.headers
    )
    assert sent.status == 201, sent.text
    assert sent.json["status"] == ApplicationStatus.WAITING_FOR_CITIZEN
    request = (await db.execute(select(DocumentRequest))).scalars().one()
    assert sent.json["document_request_id"] == request.id
    assert request.text == letter and request.message_id == sent.json["id"]
    assert request.application_reference == application.reference
    assert request.requested_by == session.caseworker_id
    message = (await db.execute(select(SecureMessage))).scalars().one()  # one message, not two
    assert message.text == letter
    refreshed = await db.get(Application, application.id, populate_existing=True)
    assert refreshed is not None and refreshed.status == ApplicationStatus.WAITING_FOR_CITIZEN
    notices = (
        (await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "message_notification")))
        .scalars()
        .all()
    )
    assert len(notices) == 1
    assert "lejekontrakt" not in notices[0].text.lower() and "Aviaja" not in notices[0].text  # neutral
    audited = (await db.execute(select(AuditEntry.action, AuditEntry.details).order_by(AuditEntry.id))).all()
    actions = [action for action, _ in audited]
    assert {"documents_requested", "application_waiting_for_citizen", "letter_sent"} <= set(actions)
    assert actions.index("documents_requested") < actions.index("letter_sent")
    (letter_sent,) = [details for action, details in audited if action == "letter_sent"]
    assert letter_sent["request_id"] == request.id and letter_sent["template_id"] == lease_id

    # The lease the citizen sends afterwards belongs to this request; the application is received again.
    attachment = await documents.receive(
        db,
        settings,
        cpr=AVIAJA,
        data=samples.pdf(1),
        filename="lejekontrakt.pdf",
        channel="web",
        conversation_id=None,
    )
    assert attachment.request_id == request.id
    assert attachment.application_reference == application.reference
    refreshed = await db.get(Application, application.id, populate_existing=True)
    assert refreshed is not None and refreshed.status == ApplicationStatus.RECEIVED


async def test_a_plain_letter_records_no_request_and_leaves_the_status(
    app, db: AsyncSession, settings: Settings
) -> None:
    application, _, plain_id = await _application_and_templates(db, settings)
    before = application.status
    await create_caseworker(db)
    session = await log_in(app)
    _, sent = await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/letters",
        json={"text": "Kære Aviaja Lyberth", "template_id": plain_id},
        headers=session.headers,
    )
    assert sent.status == 201, sent.text
    assert sent.json["document_request_id"] is None and sent.json["status"] == before
    assert (await db.execute(select(DocumentRequest))).first() is None
    refreshed = await db.get(Application, application.id, populate_existing=True)
    assert refreshed is not None and refreshed.status == before
    assert (await db.execute(select(SecureMessage))).scalars().one().text == "Kære Aviaja Lyberth"


async def test_a_letter_asking_for_documents_on_a_decided_application_is_409_and_nothing_is_sent(
    app, db: AsyncSession, settings: Settings
) -> None:
    application, lease_id, _ = await _application_and_templates(db, settings)
    await db.execute(
        update(Application).where(Application.id == application.id).values(status=ApplicationStatus.DECIDED)
    )
    await db.commit()
    await create_caseworker(db)
    session = await log_in(app)
    _, refused = await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/letters",
        json={"text": "Send din lejekontrakt.", "template_id": lease_id},
        headers=session.headers,
    )
    assert refused.status == 409 and refused.json["error"] == "decided"
    assert (await db.execute(select(SecureMessage))).first() is None
    assert (await db.execute(select(DocumentRequest))).first() is None


async def test_administrators_set_and_clear_whether_a_template_asks_for_documents_and_it_is_audited(
    app, db: AsyncSession
) -> None:
    await create_caseworker(db, username="inuk", role="administrator")
    admin = await log_in(app, "inuk")
    url = "/api/caseworker/admin/letter-templates"
    body = {"key": "lease_copy", "language": "da", "title": "Lejekontrakt", "body": LEASE_DA}
    _, plain_one = await app.asgi_client.post(url, json={**body, "key": "plain"}, headers=admin.headers)
    assert plain_one.status == 201 and plain_one.json["requests_documents"] is False
    _, created = await app.asgi_client.post(
        url, json={**body, "requests_documents": True}, headers=admin.headers
    )
    assert created.status == 201 and created.json["requests_documents"] is True
    template_id = created.json["id"]
    _, cleared = await app.asgi_client.patch(
        f"{url}/{template_id}", json={"requests_documents": False}, headers=admin.headers
    )
    assert cleared.status == 200 and cleared.json["requests_documents"] is False
    _, untouched = await app.asgi_client.patch(
        f"{url}/{template_id}", json={"title": "Anmodning om lejekontrakt"}, headers=admin.headers
    )
    assert untouched.json["requests_documents"] is False  # a change without the flag keeps it
    _, set_again = await app.asgi_client.patch(
        f"{url}/{template_id}", json={"requests_documents": True}, headers=admin.headers
    )
    assert set_again.json["requests_documents"] is True
    for bad in ({"requests_documents": "yes"}, {"requests_documents": 1}):
        _, refused = await app.asgi_client.patch(f"{url}/{template_id}", json=bad, headers=admin.headers)
        assert refused.status == 400, bad
    _, listed = await app.asgi_client.get(f"{url}?language=da", headers=admin.headers)
    flags = {t["key"]: t["requests_documents"] for t in listed.json["templates"]}
    assert flags == {"lease_copy": True, "plain": False}
    audited = (
        await db.execute(
            select(AuditEntry.action, AuditEntry.details)
            .where(AuditEntry.action.like("letter_template_%"))
            .order_by(AuditEntry.id)
        )
    ).all()
    assert [(action, details["requests_documents"]) for action, details in audited] == [
        ("letter_template_created", False),
        ("letter_template_created", True),
        ("letter_template_updated", False),
        ("letter_template_updated", False),
        ("letter_template_updated", True),
    ]
    template = await db.get(LetterTemplate, template_id, populate_existing=True)
    assert template is not None and template.requests_documents is True


def test_control_characters_are_dropped_from_a_merged_free_text() -> None:
    assert plain("Qujanaq\x00.\n\tTak\x07") == "Qujanaq.\n\tTak"
