from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.applications import flags_for
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.conversations import ChatMessage
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker, log_in


async def _submitted(db: AsyncSession, settings, cpr: str = AVIAJA, **kwargs) -> Application:  # type: ignore[no-untyped-def]
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=cpr)
    draft = await create_draft(db, conversation, settings)
    return (await submit_draft(db, conversation, draft.draft.id, settings, **kwargs)).application


def _application(
    rooms: int, household: int, *, dwelling: bool = True, household_ok: bool = True
) -> Application:
    return Application(
        period="2026-11",
        snapshot={"dwelling": {"rooms": rooms}, "household": [{"name": f"p{i}"} for i in range(household)]},
        dwelling_confirmed=dwelling,
        household_confirmed=household_ok,
    )


def test_more_rooms_than_persons_plus_one_is_flagged() -> None:
    assert "rooms_exceed_persons" in flags_for(_application(rooms=4, household=2), set())
    assert "rooms_exceed_persons" not in flags_for(_application(rooms=3, household=2), set())


def test_disputed_facts_and_an_unusual_month_are_flagged() -> None:
    flags = flags_for(_application(rooms=1, household=1, dwelling=False, household_ok=False), {4})
    assert flags == ["dwelling_disputed", "household_disputed", "outside_usual_month"]
    assert flags_for(_application(rooms=1, household=1), {11}) == []
    assert flags_for(_application(rooms=1, household=1), set()) == []


async def test_the_list_shows_reference_name_language_channel_and_flags_and_audits_the_read(
    app, db: AsyncSession, settings
) -> None:
    application = await _submitted(
        db,
        settings,
        cpr=KARIN,
        dwelling_confirmed=False,
        corrections=[{"section": "dwelling", "text": "4 rooms"}],
    )
    await create_caseworker(db)
    session = await log_in(app)
    _, response = await app.asgi_client.get(
        "/api/caseworker/applications?filter=all", headers=session.headers
    )
    assert response.status == 200
    [item] = response.json["applications"]
    assert item["reference"] == application.reference
    assert item["name"] == "Karin Andersson"
    assert (item["language"], item["channel"]) == ("kl", "web")
    assert item["flags"] == ["dwelling_disputed"]
    audited = await db.execute(select(AuditEntry).where(AuditEntry.action == "application_listed"))
    assert [e.person_cpr for e in audited.scalars()] == [KARIN]


async def test_filters_separate_new_mine_and_taken_over(app, db: AsyncSession, settings) -> None:
    application = await _submitted(db, settings)
    await create_caseworker(db)
    session = await log_in(app)

    async def references(which: str) -> list[str]:
        _, response = await app.asgi_client.get(
            f"/api/caseworker/applications?filter={which}", headers=session.headers
        )
        return [item["reference"] for item in response.json["applications"]]

    assert await references("new") == [application.reference]
    assert await references("mine") == []
    _, assigned = await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/assign",
        json={"caseworker_id": session.caseworker_id},
        headers=session.headers,
    )
    assert assigned.status == 200
    assert await references("mine") == [application.reference]
    await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/take-over", headers=session.headers
    )
    assert await references("new") == []
    assert await references("taken_over") == [application.reference]


async def test_the_detail_shows_snapshot_register_transcript_and_history_and_marks_it_opened(
    app, db: AsyncSession, settings
) -> None:
    application = await _submitted(db, settings)
    db.add(ChatMessage(conversation_id=application.conversation_id, sender="citizen", text="I want to apply"))
    await db.commit()
    await create_caseworker(db)
    session = await log_in(app)
    await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/assign",
        json={"caseworker_id": session.caseworker_id},
        headers=session.headers,
    )
    _, response = await app.asgi_client.get(
        f"/api/caseworker/applications/{application.reference}", headers=session.headers
    )
    assert response.status == 200
    detail = response.json
    assert detail["snapshot"]["tenant"]["name"] == "Aviaja Lyberth"
    assert detail["register"]["dwelling"]["rooms"] == 3
    assert detail["confirmations"] == {"dwelling": True, "household": True}
    assert detail["contact"]["application_phone"] == "+299551234"
    assert [m["text"] for m in detail["transcript"]] == ["I want to apply"]
    assert {"application_submitted", "application_assigned"} <= {h["action"] for h in detail["history"]}
    # No household member's CPR number anywhere.
    assert "1105842219" not in response.text and "2306184417" not in response.text
    await db.refresh(application)
    assert application.opened_at is not None
    viewed = await db.execute(select(AuditEntry).where(AuditEntry.action == "application_viewed"))
    assert viewed.scalars().one().actor == f"caseworker:{session.caseworker_id}"


async def test_taking_over_records_who_and_when_exports_json_and_pdf_and_cannot_happen_twice(
    app, db: AsyncSession, settings
) -> None:
    application = await _submitted(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    url = f"/api/caseworker/applications/{application.reference}"
    _, response = await app.asgi_client.post(f"{url}/take-over", headers=session.headers)
    assert response.status == 200
    assert response.json["status"] == "taken_over"
    assert response.json["export"]["taken_over_by"] == "pipaluk"
    _, again = await app.asgi_client.post(f"{url}/take-over", headers=session.headers)
    assert again.status == 409
    _, exported = await app.asgi_client.get(f"{url}/export.json", headers=session.headers)
    assert exported.json["reference"] == application.reference and exported.json["cpr"] == AVIAJA
    _, pdf = await app.asgi_client.get(f"{url}/export.pdf", headers=session.headers)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body.startswith(b"%PDF")
    await db.refresh(application)
    assert application.taken_over_by == session.caseworker_id and application.taken_over_at is not None


async def test_a_decision_is_what_the_citizen_then_hears_as_status(app, db: AsyncSession, settings) -> None:
    application = await _submitted(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    _, response = await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/decision",
        json={"decision": "granted", "decided_on": "2026-11-20"},
        headers=session.headers,
    )
    assert response.status == 200
    _, status = await app.asgi_client.get(
        f"/internal/conversations/{application.conversation_id}/status",
        headers={"Authorization": "Bearer test-internal-secret"},
    )
    assert status.json["application"]["status"] == "decided"
    assert status.json["application"]["decision"] == "granted"
    assert status.json["application"]["decided_on"] == date(2026, 11, 20).isoformat()


async def test_a_bad_decision_is_400(app, db: AsyncSession, settings) -> None:
    application = await _submitted(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    _, response = await app.asgi_client.post(
        f"/api/caseworker/applications/{application.reference}/decision",
        json={"decision": "maybe", "decided_on": "tomorrow"},
        headers=session.headers,
    )
    assert response.status == 400
