"""Search by CPR number, birth date, name, reference and phone, across current and historical
applications and threads, and its audit (the query never in clear)."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.auth import COOKIE
from backend.messaging.service import caseworker_writes
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    NIVI,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import Session, create_caseworker, log_in


async def _submitted(db: AsyncSession, settings, cpr: str, phone: str) -> Application:  # type: ignore[no-untyped-def]
    conversation = await create_conversation(db, cpr=cpr)
    draft = await create_draft(db, conversation, settings)
    return (await submit_draft(db, conversation, draft.draft.id, settings, phone=phone)).application


async def _world(app, db: AsyncSession, settings) -> tuple[Session, Application, Application]:  # type: ignore[no-untyped-def]
    """Aviaja's application taken over (history), Karin's current one, and a thread with Nivi, who
    never applied."""
    await seed_registers(db)
    aviaja = await _submitted(db, settings, AVIAJA, "+299 55 12 34")
    karin = await _submitted(db, settings, KARIN, "58 77 66")
    caseworker = await create_caseworker(db)
    session = await log_in(app)
    _, taken = await app.asgi_client.post(
        f"/api/caseworker/applications/{aviaja.reference}/take-over", headers=session.headers
    )
    assert taken.status == 200
    await caseworker_writes(
        db, caseworker_id=caseworker.id, cpr=NIVI, application_reference=None, text="Hello", settings=settings
    )
    return session, aviaja, karin


async def _search(app, session: Session, q: str) -> dict:  # type: ignore[no-untyped-def, type-arg]
    _, response = await app.asgi_client.get(
        "/api/caseworker/applications", params={"q": q}, headers=session.headers
    )
    assert response.status == 200, response.text
    return response.json


async def test_search_by_cpr_birth_date_name_reference_and_phone_across_history_and_threads(
    app, db: AsyncSession, settings
) -> None:
    session, aviaja, karin = await _world(app, db, settings)

    async def references(q: str) -> list[str]:
        return [a["reference"] for a in (await _search(app, session, q))["applications"]]

    # CPR number with or without dash, birth date ddmmyy or dd-mm-yyyy: the taken-over application too.
    for q in ("0708861234", "070886-1234", "070886", "7.8.1986"):
        assert await references(q) == [aviaja.reference], q
    found = await _search(app, session, "0708861234")
    assert found["keys"] == ["cpr"]
    assert (found["applications"][0]["status"], found["applications"][0]["cpr_masked"]) == (
        "taken_over",
        "070886-xxxx",
    )
    assert await references("07-08-1987") == []
    # Names from the register snapshot on the application, in any order and case.
    for q in ("karin", "  Andersson   KARIN "):
        assert await references(q) == [karin.reference], q
    assert await references("Lyberth") == [aviaja.reference]
    assert await references("zzzz") == []
    assert await references(karin.reference.lower()) == [karin.reference]
    for q in ("+299 58 77 66", "587766", "00299-587766"):
        assert await references(q) == [karin.reference], q
    # A thread with a person who never applied: by CPR number, register name or register phone.
    for q in ("2304781236", "Nivi Olsen", "+299 22 33 44"):
        found = await _search(app, session, q)
        assert found["applications"] == []
        assert [(t["name"], t["cpr_masked"]) for t in found["threads"]] == [("Nivi Olsen", "230478-xxxx")], q


async def _bad_queries_get_a_clear_answer(app, db: AsyncSession, session: Session) -> None:  # type: ignore[no-untyped-def]
    for q, code in (("?!", "unrecognised_query"), ("1234", "unrecognised_query"), ("a", "too_short")):
        _, response = await app.asgi_client.get(
            "/api/caseworker/applications", params={"q": q}, headers=session.headers
        )
        assert response.status == 400 and response.json["error"] == code, (q, response.text)
    _, response = await app.asgi_client.get(
        "/api/caseworker/applications", params={"q": "x" * 101}, headers=session.headers
    )
    assert response.status == 400
    for body in ({"q": 5}, {"q": ""}, {}):
        _, response = await app.asgi_client.post("/api/caseworker/search", json=body, headers=session.headers)
        assert response.status == 400 and response.json["error"] == "invalid_input"
    _, response = await app.asgi_client.get(
        "/api/caseworker/applications", params={"q": "0708861234"}, headers={"cookie": f"{COOKIE}=forged"}
    )
    assert response.status == 401
    assert (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "applications_searched"))
    ).first() is None


async def test_every_search_is_audited_with_the_query_masked_and_the_results_shown_and_bad_ones_refused(
    app, db: AsyncSession, settings
) -> None:
    session, aviaja, karin = await _world(app, db, settings)
    # Bad queries (and a forged session) get a clear 4xx and are not searched, so not audited.
    await _bad_queries_get_a_clear_answer(app, db, session)
    await _search(app, session, "070886-1234")
    await _search(app, session, "58 77 66")
    await _search(app, session, "Karin Andersson")
    _, posted = await app.asgi_client.post(
        "/api/caseworker/search", json={"q": "0708861234"}, headers=session.headers
    )
    assert posted.status == 200 and [a["reference"] for a in posted.json["applications"]] == [
        aviaja.reference
    ]
    entries = (
        (
            await db.execute(
                select(AuditEntry).where(AuditEntry.action == "applications_searched").order_by(AuditEntry.id)
            )
        )
        .scalars()
        .all()
    )
    assert [e.actor for e in entries] == [f"caseworker:{session.caseworker_id}"] * 4
    assert [e.details["query"] for e in entries] == [
        {"cpr": "070886-xxxx"},
        {"phone": "+299 58 ** 66"},
        {"name": "K.A."},
        {"cpr": "070886-xxxx"},
    ]
    assert entries[0].details["applications"] == [aviaja.reference]
    assert entries[1].details["applications"] == [karin.reference]
    for entry in entries:
        written = json.dumps(entry.details)
        assert "0708861234" not in written and "1234" not in written.replace(aviaja.reference, "")
        assert "587766" not in written and "Karin" not in written and entry.person_cpr is None
    shown = (
        (
            await db.execute(
                select(AuditEntry).where(AuditEntry.action == "search_result_shown").order_by(AuditEntry.id)
            )
        )
        .scalars()
        .all()
    )
    assert [(e.person_cpr, e.details["applications"]) for e in shown] == [
        (AVIAJA, [aviaja.reference]),
        (KARIN, [karin.reference]),
        (KARIN, [karin.reference]),
        (AVIAJA, [aviaja.reference]),
    ]
