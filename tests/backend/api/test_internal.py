from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.config import Secret, Settings
from backend.dao.audit import dao_get_audit_entries
from backend.models.applications import Application
from backend.models.conversations import ChatMessage, Conversation
from backend.models.messaging import SecureMessage, Thread
from tests.backend.applications.factories import AVIAJA, KARIN, MALIK, NIVI, PETER, create_conversation

AUTH = {"Authorization": "Bearer test-internal-secret"}


async def _draft(app, conversation: Conversation) -> dict:  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.post(f"/internal/conversations/{conversation.id}/draft", headers=AUTH)
    assert response.status == 200, response.text
    return response.json


def _submission(conversation: Conversation, draft_id: str, **overrides: object) -> dict:
    body = {
        "conversation_id": conversation.id,
        "draft_id": draft_id,
        "dwelling_confirmed": True,
        "household_confirmed": True,
        "corrections": [],
        "phone": "+299 55 12 34",
    }
    return {**body, **overrides}


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong-secret"},
        {"Authorization": "Basic test-internal-secret"},
        {"Authorization": "Bearer "},
        {"Authorization": "test-internal-secret"},
    ],
)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/internal/conversations/c1"),
        ("post", "/internal/conversations/c1/draft"),
        ("post", "/internal/applications"),
        ("get", "/internal/conversations/c1/status"),
        ("post", "/internal/conversations/c1/language"),
        ("post", "/internal/conversations/c1/citizen-messages"),
    ],
)
async def test_every_internal_route_answers_401_without_the_right_secret(
    app, method: str, path: str, headers: dict
) -> None:
    _, response = await getattr(app.asgi_client, method)(path, headers=headers)
    assert response.status == 401
    assert response.json["error"] == "unauthorized"


async def test_an_empty_configured_secret_rejects_everyone(
    settings: Settings, engine, db: AsyncSession
) -> None:
    app = create_app(replace(settings, internal_secret=Secret("")), name="inissiaq_test_no_secret")
    conversation = await create_conversation(db)
    for headers in ({}, {"Authorization": "Bearer"}, {"Authorization": "Bearer "}):
        _, response = await app.asgi_client.get(f"/internal/conversations/{conversation.id}", headers=headers)
        assert response.status == 401


async def test_the_conversation_tells_channel_language_and_whether_someone_is_logged_in(
    app, db: AsyncSession
) -> None:
    logged_in = await create_conversation(db, cpr=AVIAJA, language="kl")
    anonymous = await create_conversation(db, cpr=None, channel="sms", language=None)
    _, response = await app.asgi_client.get(f"/internal/conversations/{logged_in.id}", headers=AUTH)
    assert response.json == {
        "conversation_id": logged_in.id,
        "channel": "web",
        "language": "kl",
        "authenticated": True,
    }
    _, response = await app.asgi_client.get(f"/internal/conversations/{anonymous.id}", headers=AUTH)
    assert response.json == {
        "conversation_id": anonymous.id,
        "channel": "sms",
        "language": "kl",  # the default language
        "authenticated": False,
    }


async def test_an_expired_binding_is_not_logged_in(app, db: AsyncSession) -> None:
    expired = await create_conversation(db, bound_until=datetime.now(UTC) - timedelta(minutes=1))
    valid = await create_conversation(db, bound_until=datetime.now(UTC) + timedelta(days=1))
    _, response = await app.asgi_client.get(f"/internal/conversations/{expired.id}", headers=AUTH)
    assert response.json["authenticated"] is False
    _, response = await app.asgi_client.get(f"/internal/conversations/{valid.id}", headers=AUTH)
    assert response.json["authenticated"] is True


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", ""),
        ("post", "/draft"),
        ("get", "/status"),
    ],
)
async def test_an_unknown_conversation_is_404(app, method: str, path: str) -> None:
    _, response = await getattr(app.asgi_client, method)(f"/internal/conversations/nope{path}", headers=AUTH)
    assert response.status == 404
    _, response = await app.asgi_client.get(f"/internal/conversations/{'x' * 500}", headers=AUTH)
    assert response.status == 404


async def test_a_draft_for_an_anonymous_conversation_asks_for_login_and_remembers_the_intent(
    app, db: AsyncSession
) -> None:
    conversation = await create_conversation(db, cpr=None)
    _, response = await app.asgi_client.post(f"/internal/conversations/{conversation.id}/draft", headers=AUTH)
    assert response.json == {"status": "login_required", "login_url": "http://127.0.0.1:8000/auth/login"}
    await db.refresh(conversation)
    assert conversation.pending_intent == "apply"


async def test_aviajas_draft_is_ready_with_the_display_of_the_contract(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, cpr=AVIAJA)
    answer = await _draft(app, conversation)
    assert answer["status"] == "ready"
    assert answer["register_phone"] == "+299551234"
    display = answer["display"]
    assert set(display) == {
        "now_datetime",
        "period_month",
        "tenant_name",
        "tenant_cpr_masked",
        "tenant_address",
        "dwelling_address",
        "rooms",
        "rent_amount",
        "landlord",
        "move_in_date",
        "tenant_number",
        "household_list",
    }
    assert display["tenant_cpr_masked"] == "070886-xxxx"
    assert display["rent_amount"] == "6450.00"
    assert display["household_list"] == ["Aviaja Lyberth", "Hans Lyberth", "Ivalo Lyberth"]
    assert datetime.fromisoformat(display["now_datetime"]).tzinfo is not None
    assert AVIAJA not in str(answer) and "1105842219" not in str(answer)


@pytest.mark.parametrize(("cpr", "reason"), [(NIVI, "private_landlord"), (PETER, "no_tenancy")])
async def test_referrals_carry_the_manual_form_url(app, db: AsyncSession, cpr: str, reason: str) -> None:
    conversation = await create_conversation(db, cpr=cpr)
    answer = await _draft(app, conversation)
    assert answer == {
        "status": "referral",
        "reason": reason,
        "manual_form_url": "https://www.sullissivik.gl/Forms/Boligsikring",
    }


async def test_submitting_answers_201_then_200_for_the_same_draft(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, cpr=MALIK, language="da")
    draft = await _draft(app, conversation)
    body = _submission(conversation, draft["draft_id"], phone="0045 20 12 34 56")
    _, first = await app.asgi_client.post("/internal/applications", headers=AUTH, json=body)
    _, again = await app.asgi_client.post("/internal/applications", headers=AUTH, json=body)
    assert first.status == 201 and again.status == 200
    assert again.json == first.json
    assert first.json["reference"].startswith("BS-")
    assert first.json["status"] == "submitted"
    stored = (await db.execute(select(Application))).scalar_one()
    assert (stored.reference, stored.phone_e164, stored.language) == (
        first.json["reference"],
        "+4520123456",
        "da",
    )


async def test_another_draft_for_an_applied_month_is_409_with_the_existing_application(
    app, db: AsyncSession
) -> None:
    conversation = await create_conversation(db)
    first_draft = await _draft(app, conversation)
    second_draft = await _draft(app, conversation)
    _, first = await app.asgi_client.post(
        "/internal/applications", headers=AUTH, json=_submission(conversation, first_draft["draft_id"])
    )
    _, second = await app.asgi_client.post(
        "/internal/applications", headers=AUTH, json=_submission(conversation, second_draft["draft_id"])
    )
    assert second.status == 409
    assert second.json["error"] == "already_applied"
    assert second.json["application"]["reference"] == first.json["reference"]
    _, third = await app.asgi_client.post(f"/internal/conversations/{conversation.id}/draft", headers=AUTH)
    assert third.json["status"] == "already_applied"
    assert third.json["application"]["reference"] == first.json["reference"]
    assert set(third.json["application"]) >= {"reference", "status", "submitted_at"}


async def test_karins_correction_is_stored_with_its_section(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, cpr=KARIN, language="sv")
    draft = await _draft(app, conversation)
    body = _submission(
        conversation,
        draft["draft_id"],
        dwelling_confirmed=False,
        corrections=[{"section": "dwelling", "text": "Hyran är fel: <script>alert(1)</script>"}],
        phone="+299 58 77 66",
    )
    _, response = await app.asgi_client.post("/internal/applications", headers=AUTH, json=body)
    assert response.status == 201
    stored = (await db.execute(select(Application))).scalar_one()
    assert stored.dwelling_confirmed is False and stored.household_confirmed is True
    assert stored.corrections == [{"section": "dwelling", "text": "Hyran är fel: <script>alert(1)</script>"}]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"phone": "12"}, "invalid_phone"),
        ({"phone": 551234}, "invalid_input"),
        ({"draft_id": "unknown"}, "unknown_draft"),
        ({"dwelling_confirmed": "yes"}, "invalid_input"),
        ({"household_confirmed": None}, "invalid_input"),
        ({"corrections": [{"section": "income", "text": "x"}]}, "invalid_input"),
        ({"corrections": {"section": "dwelling"}}, "invalid_input"),
        ({"corrections": [{"section": "dwelling", "text": "x" * 2001}]}, "invalid_input"),
    ],
)
async def test_bad_submissions_are_400_and_store_nothing(
    app, db: AsyncSession, overrides: dict, error: str
) -> None:
    conversation = await create_conversation(db)
    draft = await _draft(app, conversation)
    body = {**_submission(conversation, draft["draft_id"]), **overrides}
    _, response = await app.asgi_client.post("/internal/applications", headers=AUTH, json=body)
    assert response.status == 400
    assert response.json["error"] == error
    assert (await db.execute(select(Application))).first() is None


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[1, 2]",
        b'"text"',
        b"\xff\xfe",
        b'{"conversation_id": 1}',
        b'{"text": "' + b"x" * 40000 + b'"}',
    ],
)
async def test_garbage_bodies_are_400(app, raw: bytes) -> None:
    _, response = await app.asgi_client.post(
        "/internal/applications", headers={**AUTH, "Content-Type": "application/json"}, content=raw
    )
    assert response.status == 400
    assert response.json["error"] in {"invalid_input", "too_large"}
    assert response.json["message"]


async def test_submitting_for_an_unknown_conversation_is_404(app) -> None:
    body = {
        "conversation_id": "nope",
        "draft_id": "d",
        "dwelling_confirmed": True,
        "household_confirmed": True,
        "phone": "551234",
    }
    _, response = await app.asgi_client.post("/internal/applications", headers=AUTH, json=body)
    assert response.status == 404


async def test_submitting_after_the_login_expired_asks_for_login_again(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db)
    draft = await _draft(app, conversation)
    conversation.bound_until = datetime.now(UTC) - timedelta(seconds=1)
    await db.commit()
    _, response = await app.asgi_client.post(
        "/internal/applications", headers=AUTH, json=_submission(conversation, draft["draft_id"])
    )
    assert response.status == 401
    assert response.json["status"] == "login_required"


async def test_status_asks_for_login_then_reports_none_then_the_application(app, db: AsyncSession) -> None:
    anonymous = await create_conversation(db, cpr=None)
    _, response = await app.asgi_client.get(f"/internal/conversations/{anonymous.id}/status", headers=AUTH)
    assert response.json == {"status": "login_required", "login_url": "http://127.0.0.1:8000/auth/login"}
    await db.refresh(anonymous)
    assert anonymous.pending_intent == "status"

    conversation = await create_conversation(db)
    _, response = await app.asgi_client.get(f"/internal/conversations/{conversation.id}/status", headers=AUTH)
    assert response.json == {"status": "none"}

    draft = await _draft(app, conversation)
    _, submitted = await app.asgi_client.post(
        "/internal/applications", headers=AUTH, json=_submission(conversation, draft["draft_id"])
    )
    _, response = await app.asgi_client.get(f"/internal/conversations/{conversation.id}/status", headers=AUTH)
    assert response.json["status"] == "found"
    assert response.json["application"] == {
        **submitted.json,
        "period": draft["display"]["period_month"],
        "decision": None,
        "decided_on": None,
        "timeline": [{"status": "submitted", "at": submitted.json["submitted_at"]}],
    }


TIMELINE_LINES = {
    "kl": [
        "Qanoq innera: uppernarsaatinik nassiussinissannik utaqqivoq",
        "Pisimasut:",
        ": nassiunneqarsimavoq",
        ": kommunimit tiguneqarsimavoq",
    ],
    "da": ["Status: venter på dokumenter fra dig", "Forløb:", ": indsendt", ": modtaget af kommunen"],
    "sv": [
        "Status: väntar på handlingar från dig",
        "Det här har hänt:",
        ": skickad",
        ": mottagen av kommunen",
    ],
}


async def test_the_status_answer_tells_the_timeline_in_the_citizens_language(
    app, db: AsyncSession, settings: Settings
) -> None:
    from backend.applications.status import change_status
    from backend.models.states import ApplicationStatus

    conversation = await create_conversation(db)
    draft = await _draft(app, conversation)
    _, submitted = await app.asgi_client.post(
        "/internal/applications", headers=AUTH, json=_submission(conversation, draft["draft_id"])
    )
    reference = submitted.json["reference"]
    for to in (ApplicationStatus.RECEIVED, ApplicationStatus.WAITING_FOR_CITIZEN):
        await change_status(db, reference, to, actor="caseworker:4", settings=settings)
    base = f"/internal/conversations/{conversation.id}"
    _, response = await app.asgi_client.get(f"{base}/status", headers=AUTH)
    application = response.json["application"]
    assert [e["status"] for e in application["timeline"]] == ["submitted", "received", "waiting_for_citizen"]
    assert all(set(e) == {"status", "at"} for e in application["timeline"])  # never who

    # What the action then asks the NLG endpoint to say (actions/status.py), in the conversation's language.
    arguments = {
        "reference": application["reference"],
        "status": application["status"],
        "submitted_datetime": application["submitted_at"],
        "timeline": application["timeline"],
    }
    for language, lines in TIMELINE_LINES.items():
        _, changed = await app.asgi_client.post(f"{base}/language", headers=AUTH, json={"language": language})
        assert changed.status == 200
        _, rendered = await app.asgi_client.post(
            "/internal/nlg",
            headers=AUTH,
            json={
                "response": "utter_status",
                "arguments": arguments,
                "tracker": {"sender_id": conversation.id, "slots": {}, "latest_message": {}, "events": []},
                "channel": {"name": "gateway"},
            },
        )
        text = rendered.json["text"]
        assert reference in text and "…" not in text
        for line in lines:
            assert line in text, (language, line, text)
        steps = [line for line in text.splitlines() if line.startswith("- ")]
        assert len(steps) == 3 and steps[2].endswith(lines[0].split(": ", 1)[1]), (language, text)


async def test_choosing_a_language_stores_it_as_explicit(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, language="kl")
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{conversation.id}/language", headers=AUTH, json={"language": "sv"}
    )
    assert response.json == {"language": "sv"}
    await db.refresh(conversation)
    assert (conversation.language, conversation.language_source) == ("sv", "explicit")


@pytest.mark.parametrize("body", [{"language": "en"}, {"language": ["da"]}, {}, {"lang": "da"}])
async def test_an_unsupported_language_is_400(app, db: AsyncSession, body: dict) -> None:
    conversation = await create_conversation(db)
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{conversation.id}/language", headers=AUTH, json=body
    )
    assert response.status == 400


async def test_a_message_for_a_caseworker_becomes_a_secure_message_in_the_citizens_thread_and_is_audited(
    app, db: AsyncSession
) -> None:
    conversation = await create_conversation(db)
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{conversation.id}/citizen-messages",
        headers=AUTH,
        json={"text": "Ring mig\x00 venligst"},
    )
    assert response.status == 201
    messages = (await db.execute(select(SecureMessage))).scalars().all()
    assert [(m.sender, m.text, m.thread_id) for m in messages] == [
        ("citizen", "Ring mig venligst", response.json["thread_id"])
    ]
    thread = await db.get(Thread, response.json["thread_id"])
    assert thread is not None and thread.person_cpr == AVIAJA
    entries = await dao_get_audit_entries(db, action="citizen_message_left")
    assert [e.person_cpr for e in entries] == [AVIAJA]


async def test_an_anonymous_citizen_cannot_leave_a_message(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, cpr=None)
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{conversation.id}/citizen-messages", headers=AUTH, json={"text": "Hej"}
    )
    assert response.status == 401
    assert response.json["status"] == "login_required"
    assert (await db.execute(select(ChatMessage))).first() is None


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "x" * 2001}, {"text": 5}, {}])
async def test_an_empty_or_oversize_message_is_400(app, db: AsyncSession, body: dict) -> None:
    conversation = await create_conversation(db)
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{conversation.id}/citizen-messages", headers=AUTH, json=body
    )
    assert response.status == 400
