"""The internal API for resumable drafts: the offer, continue, start again and saving answers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.applications import Application, Draft
from backend.models.conversations import Conversation
from backend.models.outbox import LinkToken
from backend.models.registers import Person
from tests.backend.applications.factories import AVIAJA, KARIN, create_conversation, seed_registers

AUTH = {"Authorization": "Bearer test-internal-secret"}


@pytest.fixture(autouse=True)
async def _registers(db: AsyncSession) -> None:
    await seed_registers(db)


async def _post(app, path: str) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.post(path, headers=AUTH)
    return response.status, response.json


async def _save(app, conversation: Conversation, draft_id: str, answers: object) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.put(
        f"/internal/conversations/{conversation.id}/draft/answers",
        headers=AUTH,
        json={"draft_id": draft_id, "answers": answers},
    )
    return response.status, response.json


async def _started_with_dwelling_answered(app, db: AsyncSession) -> tuple[Conversation, str]:  # type: ignore[no-untyped-def]
    conversation = await create_conversation(db)
    status, ready = await _post(app, f"/internal/conversations/{conversation.id}/draft")
    assert status == 200 and ready["status"] == "ready"
    status, saved = await _save(app, conversation, ready["draft_id"], {"dwelling_confirmed": True})
    assert status == 200, saved
    return conversation, ready["draft_id"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/internal/conversations/c1/draft/continue"),
        ("post", "/internal/conversations/c1/draft/restart"),
        ("put", "/internal/conversations/c1/draft/answers"),
    ],
)
async def test_the_draft_routes_answer_401_without_the_secret_and_404_for_an_unknown_conversation(
    app, method: str, path: str
) -> None:
    _, response = await getattr(app.asgi_client, method)(path, headers={"Authorization": "Bearer wrong"})
    assert response.status == 401
    _, response = await getattr(app.asgi_client, method)(path, headers=AUTH, json={})
    assert response.status == 404


async def test_saving_an_answer_records_the_step_and_its_time(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db)
    _, ready = await _post(app, f"/internal/conversations/{conversation.id}/draft")
    status, saved = await _save(app, conversation, ready["draft_id"], {"dwelling_confirmed": True})
    assert status == 200
    assert saved["status"] == "saved" and saved["last_step"] == "dwelling_confirmed"
    assert saved["last_step_at"].endswith("+00:00")
    draft = await db.get(Draft, ready["draft_id"])
    assert draft is not None and draft.answers == {"dwelling_confirmed": True}


async def test_asking_to_apply_again_offers_the_draft_without_personal_data(app, db: AsyncSession) -> None:
    await _started_with_dwelling_answered(app, db)
    new_login = await create_conversation(db, channel="sms")
    status, offer = await _post(app, f"/internal/conversations/{new_login.id}/draft")
    assert status == 200
    today_in_nuuk = datetime.now(ZoneInfo("America/Nuuk")).date().isoformat()
    assert offer == {"status": "resumable", "started_on": today_in_nuuk, "last_step": "dwelling_confirmed"}


async def test_continuing_answers_the_draft_with_its_answers_and_no_register_change(
    app, db: AsyncSession
) -> None:
    _, draft_id = await _started_with_dwelling_answered(app, db)
    new_login = await create_conversation(db)
    status, body = await _post(app, f"/internal/conversations/{new_login.id}/draft/continue")
    assert status == 200
    assert body["status"] == "ready" and body["continued"] is True
    assert body["draft_id"] == draft_id
    assert body["answers"] == {"dwelling_confirmed": True}
    assert body["register_changed"] == []
    assert body["register_phone"] == "+299551234"
    assert body["display"]["household_list"] == ["Aviaja Lyberth", "Hans Lyberth", "Ivalo Lyberth"]
    assert AVIAJA not in str(body)


async def test_continuing_after_the_household_changed_names_the_section(app, db: AsyncSession) -> None:
    await _started_with_dwelling_answered(app, db)
    ivalo = await db.get(Person, "2306184417")
    assert ivalo is not None
    ivalo.household_id = "HH-elsewhere"
    await db.commit()
    _, body = await _post(app, f"/internal/conversations/{(await create_conversation(db)).id}/draft/continue")
    assert body["register_changed"] == ["household"]
    assert body["display"]["household_list"] == ["Aviaja Lyberth", "Hans Lyberth"]
    assert body["answers"] == {"dwelling_confirmed": True}


async def test_starting_again_gives_a_new_draft_and_the_old_one_is_gone(app, db: AsyncSession) -> None:
    conversation, old_id = await _started_with_dwelling_answered(app, db)
    status, body = await _post(app, f"/internal/conversations/{conversation.id}/draft/restart")
    assert status == 200 and body["status"] == "ready" and "continued" not in body
    assert body["draft_id"] != old_id
    assert await db.get(Draft, old_id) is None
    status, error = await _save(app, conversation, old_id, {"dwelling_confirmed": True})
    assert (status, error["error"]) == (400, "unknown_draft")


async def test_a_continued_draft_is_submitted_from_the_new_conversation(app, db: AsyncSession) -> None:
    _, draft_id = await _started_with_dwelling_answered(app, db)
    sms = await create_conversation(db, channel="sms")
    await _post(app, f"/internal/conversations/{sms.id}/draft/continue")
    body = {
        "conversation_id": sms.id,
        "draft_id": draft_id,
        "dwelling_confirmed": True,
        "household_confirmed": True,
        "corrections": [],
        "phone": "+299 55 12 34",
    }
    _, response = await app.asgi_client.post("/internal/applications", headers=AUTH, json=body)
    assert response.status == 201
    stored = (await db.execute(select(Application))).scalar_one()
    assert (stored.channel, stored.draft_id) == ("sms", draft_id)
    _, offer = await _post(app, f"/internal/conversations/{sms.id}/draft")
    assert offer["status"] == "already_applied"


@pytest.mark.parametrize("route", ["continue", "restart"])
async def test_continue_and_restart_ask_an_anonymous_citizen_to_log_in_and_remember_the_intent(
    app, db: AsyncSession, route: str
) -> None:
    conversation = await create_conversation(db, cpr=None, channel="sms")
    status, body = await _post(app, f"/internal/conversations/{conversation.id}/draft/{route}")
    assert status == 200 and body["status"] == "login_required"
    assert "/l/" in body["login_url"]  # a one-time link on SMS
    await db.refresh(conversation)
    assert conversation.pending_intent == "apply"


async def test_saving_after_the_login_ended_saves_nothing_and_asks_to_log_in_again(
    app, db: AsyncSession
) -> None:
    _, draft_id = await _started_with_dwelling_answered(app, db)
    unbound = await create_conversation(db, cpr=None, channel="sms")
    status, body = await _save(app, unbound, draft_id, {"dwelling_confirmed": False})
    assert status == 200 and body["status"] == "login_required"
    assert "/l/" in body["login_url"]  # a new one-time link for the phone
    await db.refresh(unbound)
    assert unbound.pending_intent == "apply"  # after the login, the application resumes
    assert (await db.execute(select(func.count()).select_from(LinkToken))).scalar_one() == 1
    draft = await db.get(Draft, draft_id)
    assert draft is not None and draft.answers == {"dwelling_confirmed": True}


async def test_another_persons_draft_cannot_be_answered(app, db: AsyncSession) -> None:
    _, draft_id = await _started_with_dwelling_answered(app, db)
    karin = await create_conversation(db, cpr=KARIN, language="sv")
    status, body = await _save(app, karin, draft_id, {"dwelling_confirmed": False})
    assert (status, body["error"]) == (400, "unknown_draft")


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        (None, "invalid_input"),
        ("yes", "invalid_input"),
        ({"submit_confirmed": True}, "invalid_input"),
        ({"household_confirmed": 1}, "invalid_input"),
        ({"household_confirmed": True, "household_correction": "x"}, "invalid_input"),
        ({"phone": "555"}, "invalid_phone"),
    ],
)
async def test_bad_answers_are_400_with_a_json_error(
    app, db: AsyncSession, answers: object, error: str
) -> None:
    conversation, draft_id = await _started_with_dwelling_answered(app, db)
    status, body = await _save(app, conversation, draft_id, answers)
    assert status == 400
    assert body["error"] == error and body["message"]


@pytest.mark.parametrize("raw", [b"", b"not json", b"[]", b'{"answers": {}}', b"x" * 40000])
async def test_garbage_bodies_are_400(app, db: AsyncSession, raw: bytes) -> None:
    conversation = await create_conversation(db)
    _, response = await app.asgi_client.put(
        f"/internal/conversations/{conversation.id}/draft/answers",
        headers={**AUTH, "Content-Type": "application/json"},
        content=raw,
    )
    assert response.status == 400
    assert response.json["error"] in {"invalid_input", "too_large", "unknown_draft"}
