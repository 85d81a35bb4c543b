"""Letter templates: maintained by administrators only (audited), composed in the citizen's language
with merge fields filled, edited and sent; an unfilled merge field blocks sending."""

from __future__ import annotations

import re

from sqlalchemy import create_engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.casework import plain
from backend.inbox.letters import fields_in, fill
from backend.migrations.runner import upgrade_to_head
from backend.models.audit import AuditEntry
from backend.models.messaging import SecureMessage
from tests.backend.applications.factories import (
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
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


def test_control_characters_are_dropped_from_a_merged_free_text() -> None:
    assert plain("Qujanaq\x00.\n\tTak\x07") == "Qujanaq.\n\tTak"
