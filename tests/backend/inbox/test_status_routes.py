"""The status and decision routes, for a caseworker and for a case system (a machine client), and the
timeline on the application: who did what and when, one neutral notification per decision."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.machine import clients as machine
from backend.models.outbox import OutboxMessage
from tests.backend.applications.factories import (
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker, log_in

BASE = "/api/caseworker/applications"


async def _reference(db: AsyncSession, settings) -> str:  # type: ignore[no-untyped-def]
    await seed_registers(db)
    conversation = await create_conversation(db, language="da")
    draft = await create_draft(db, conversation, settings)
    return (await submit_draft(db, conversation, draft.draft.id, settings)).application.reference


async def _decision_notices(db: AsyncSession) -> list[OutboxMessage]:
    rows = await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "decision_notification"))
    return list(rows.scalars())


async def test_a_caseworker_moves_the_status_the_timeline_shows_who_and_when_and_bad_input_changes_nothing(
    app, db: AsyncSession, settings
) -> None:
    reference = await _reference(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    url = f"{BASE}/{reference}"

    # Bad input first: each is a 4xx with a JSON error, and nothing changes.
    cases = [
        ("status", b'{"status": "decided"}', 400),
        ("status", b'{"status": "waiting_for_citizen"}', 400),
        ("status", b'{"status": "bogus"}', 400),
        ("status", b'{"status": "received", "extra": 1}', 400),
        ("status", b"[]", 400),
        ("status", b"not json", 400),
        ("status", b'{"status": "' + b"x" * 70_000 + b'"}', 413),
        ("decision", b'{"decision": "maybe", "decided_on": "2026-12-04"}', 400),
        ("decision", b'{"decision": "granted", "decided_on": "04-12-2026"}', 400),
        ("decision", b'{"decision": "granted", "decided_on": "2026-12-04", "case_reference": ""}', 400),
        (
            "decision",
            b'{"decision": "granted", "decided_on": "2026-12-04", "case_reference": "a\\u0000b"}',
            400,
        ),
        (
            "decision",
            b'{"decision": "granted", "decided_on": "2026-12-04", "case_reference": "' + b"r" * 65 + b'"}',
            400,
        ),
    ]
    for route, raw, expected in cases:
        _, response = await app.asgi_client.post(
            f"{url}/{route}", content=raw, headers={**session.headers, "content-type": "application/json"}
        )
        assert response.status == expected, (route, raw[:80], response.text)
        assert response.json["error"], raw[:80]
    _, wrong_type = await app.asgi_client.post(
        f"{url}/status", content=b"status=received", headers={**session.headers, "content-type": "text/plain"}
    )
    assert wrong_type.status == 415
    _, unknown = await app.asgi_client.post(
        f"{BASE}/KL-NOSUCH/status", json={"status": "received"}, headers=session.headers
    )
    assert unknown.status == 404
    assert await _decision_notices(db) == []

    _, opened = await app.asgi_client.get(url, headers=session.cookie_only)
    assert opened.status == 200 and opened.json["status"] == "received"  # opening it is receiving it
    _, again = await app.asgi_client.post(
        f"{url}/status", json={"status": "received"}, headers=session.headers
    )
    assert again.status == 409
    assert again.json == {
        "error": "illegal_transition",
        "message": "an application that is received cannot become received",
    }
    _, taken = await app.asgi_client.post(
        f"{url}/status", json={"status": "taken_over"}, headers=session.headers
    )
    assert taken.status == 200 and taken.json == {"reference": reference, "status": "taken_over"}
    _, decided = await app.asgi_client.post(
        f"{url}/decision",
        json={"decision": "refused", "decided_on": "2026-12-04", "case_reference": "WF-77"},
        headers=session.headers,
    )
    assert decided.status == 200
    assert decided.json == {
        "reference": reference,
        "status": "decided",
        "decision": "refused",
        "decided_on": "2026-12-04",
        "case_reference": "WF-77",
    }

    _, detail = await app.asgi_client.get(url, headers=session.cookie_only)
    actor = f"caseworker:{session.caseworker_id}"
    assert [(e["status"], e["actor"]) for e in detail.json["timeline"]] == [
        ("submitted", "citizen"),
        ("received", actor),
        ("taken_over", actor),
        ("decided", actor),
    ]
    assert detail.json["timeline"][-1]["case_reference"] == "WF-77"
    assert detail.json["case_reference"] == "WF-77"
    times = [e["at"] for e in detail.json["timeline"]]
    assert times == sorted(times)
    _, page = await app.asgi_client.get(f"/inbox/applications/{reference}", headers=session.cookie_only)
    assert page.status == 200
    history = page.text.split('id="status-history"', 1)[1].split("</table>", 1)[0]
    # In Danish, the caseworker's default language: who (by user name) and what.
    assert [word in history for word in ("Statushistorik", "borgeren", "pipaluk", "afslået", "WF-77")] == [
        True
    ] * 5
    changes = ("application_received", "application_taken_over", "application_decided")
    assert [a["action"] for a in detail.json["history"] if a["action"] in changes] == list(changes)
    _, second = await app.asgi_client.post(
        f"{url}/decision", json={"decision": "granted", "decided_on": "2026-12-05"}, headers=session.headers
    )
    assert second.status == 409 and second.json["error"] == "illegal_transition"
    [notice] = await _decision_notices(db)  # one per decision, in the citizen's language, neutral
    assert notice.text.startswith("Der er nyt om din ansøgning om boligsikring. Log ind for at se det: ")
    assert reference not in notice.text and "afslået" not in notice.text


async def test_a_case_system_sets_the_status_and_decides_with_its_reference(
    app, db: AsyncSession, settings
) -> None:
    reference = await _reference(db, settings)
    client, secret = await machine.create_client(
        db, name="winformatik", scopes="applications:read applications:write", actor="test"
    )
    reader, reader_secret = await machine.create_client(
        db, name="reader", scopes="applications:read", actor="test"
    )
    tokens = {}
    for name, (client_id, client_secret) in {
        "write": (client.id, secret),
        "read": (reader.id, reader_secret),
    }.items():
        _, token = await app.asgi_client.post(
            "/api/caseworker/oauth/token",
            data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret},
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert token.status == 200, token.text
        tokens[name] = {"authorization": f"Bearer {token.json['access_token']}"}

    _, refused = await app.asgi_client.post(
        f"{BASE}/{reference}/status", json={"status": "received"}, headers=tokens["read"]
    )
    assert refused.status == 403
    _, received = await app.asgi_client.post(
        f"{BASE}/{reference}/status", json={"status": "received"}, headers=tokens["write"]
    )
    assert received.status == 200, received.text
    _, decided = await app.asgi_client.post(
        f"{BASE}/{reference}/decision",
        json={"decision": "granted", "decided_on": "2026-12-05", "case_reference": "WF-2026-0042"},
        headers=tokens["write"],
    )
    assert decided.status == 200 and decided.json["case_reference"] == "WF-2026-0042"
    _, detail = await app.asgi_client.get(f"{BASE}/{reference}", headers=tokens["write"])
    assert [(e["status"], e["actor"]) for e in detail.json["timeline"]] == [
        ("submitted", "citizen"),
        ("received", "client:winformatik"),
        ("decided", "client:winformatik"),
    ]
    assert len(await _decision_notices(db)) == 1
    _, feed = await app.asgi_client.get(f"{BASE}/feed?after=", headers=tokens["write"])
    assert [(c["reference"], c["change"]) for c in feed.json["changes"]][-2:] == [
        (reference, "status"),
        (reference, "decision"),
    ]
