"""Secure messages through the caseworker API: writing, bad input, read times, journaling and the
export, and that the citizen reads them (and only theirs) through the assistant's internal API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.audit import AuditEntry
from backend.models.outbox import OutboxMessage
from tests.backend.applications.factories import AVIAJA, KARIN, create_conversation
from tests.backend.inbox.factories import create_caseworker, log_in
from tests.backend.inbox.test_applications import _submitted

INTERNAL = {"Authorization": "Bearer test-internal-secret"}
PAYLOAD = '<script>alert("x")</script>'


async def test_a_caseworker_writes_by_reference_or_cpr_and_sees_when_it_was_read(
    app, db: AsyncSession, settings
) -> None:
    application = await _submitted(db, settings, AVIAJA)
    await create_caseworker(db)
    session = await log_in(app)
    _, by_reference = await app.asgi_client.post(
        "/api/caseworker/messages",
        json={"application_reference": application.reference, "text": f"Hej Aviaja {PAYLOAD}"},
        headers=session.headers,
    )
    _, by_cpr = await app.asgi_client.post(
        "/api/caseworker/messages", json={"cpr": "070886-1234", "text": "En til"}, headers=session.headers
    )
    assert (by_reference.status, by_cpr.status) == (201, 201)

    _, listed = await app.asgi_client.get(
        "/api/caseworker/messages", params={"cpr": AVIAJA}, headers=session.headers
    )
    mine = {m["id"]: m for m in listed.json["messages"]}
    assert mine[by_reference.json["id"]]["text"] == f"Hej Aviaja {PAYLOAD}"  # stored and returned as text
    assert all(m["read_at"] is None for m in mine.values())

    conversation = await create_conversation(db, cpr=AVIAJA)
    _, read = await app.asgi_client.get(
        f"/internal/conversations/{conversation.id}/messages", headers=INTERNAL
    )
    assert {m["text"] for m in read.json["messages"]} == {f"Hej Aviaja {PAYLOAD}", "En til"}
    _, after = await app.asgi_client.get(
        "/api/caseworker/messages", params={"cpr": AVIAJA}, headers=session.headers
    )
    assert all(m["read_at"] for m in after.json["messages"] if m["from"] == "caseworker")

    karin = await create_conversation(db, cpr=KARIN)  # another citizen sees none of it
    _, others = await app.asgi_client.get(f"/internal/conversations/{karin.id}/messages", headers=INTERNAL)
    assert others.json["messages"] == []

    notices = (
        (await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "message_notification")))
        .scalars()
        .all()
    )
    assert notices and all("Aviaja" not in n.text and "Hej" not in n.text for n in notices)
    viewed = (
        (await db.execute(select(AuditEntry).where(AuditEntry.action == "messages_viewed"))).scalars().all()
    )
    assert [e.person_cpr for e in viewed] == [AVIAJA, AVIAJA]


async def test_bad_messages_get_a_clear_answer_and_nothing_is_stored(app, db: AsyncSession, settings) -> None:
    application = await _submitted(db, settings, AVIAJA)
    await create_caseworker(db)
    session = await log_in(app)
    cases = [
        ({"text": "no recipient"}, 400),
        ({"cpr": "not a cpr", "text": "x"}, 400),
        ({"application_reference": "BS-NOPE", "text": "x"}, 404),
        ({"application_reference": application.reference, "cpr": KARIN, "text": "x"}, 400),  # two citizens
        ({"cpr": AVIAJA, "text": "   "}, 400),
        ({"cpr": AVIAJA, "text": 42}, 400),
        ({"cpr": AVIAJA, "text": "x" * 20_000}, 400),
    ]
    for body, status in cases:
        _, response = await app.asgi_client.post(
            "/api/caseworker/messages", json=body, headers=session.headers
        )
        assert response.status == status, body
        assert response.json["error"]
    _, listed = await app.asgi_client.get(
        "/api/caseworker/messages", params={"cpr": AVIAJA}, headers=session.headers
    )
    assert listed.json["messages"] == []


async def test_journaled_messages_and_only_those_are_in_the_export(app, db: AsyncSession, settings) -> None:
    application = await _submitted(db, settings, AVIAJA)
    await create_caseworker(db)
    session = await log_in(app)
    ids = []
    for text in ("Til journalen", "Ikke til journalen"):
        _, sent = await app.asgi_client.post(
            "/api/caseworker/messages",
            json={"application_reference": application.reference, "text": text},
            headers=session.headers,
        )
        ids.append(sent.json["id"])
    _, journaled = await app.asgi_client.post(
        f"/api/caseworker/messages/{ids[0]}/journal", headers=session.headers
    )
    assert journaled.json == {"id": ids[0], "journaled": True}
    _, unknown = await app.asgi_client.post(
        "/api/caseworker/messages/999999/journal", headers=session.headers
    )
    assert unknown.status == 404
    await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/take-over", headers=session.headers
    )
    _, exported = await app.asgi_client.get(
        f"/api/caseworker/applications/{application.reference}/export.json", headers=session.headers
    )
    assert [m["text"] for m in exported.json["journaled_messages"]] == ["Til journalen"]
