from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.messaging.service import messages_of
from backend.models.conversations import Conversation
from backend.models.messaging import ContactPreference
from backend.models.states import ConversationOwner
from tests.backend.applications.factories import AVIAJA, MALIK, create_conversation

AUTH = {"Authorization": "Bearer test-internal-secret"}
ALWAYS_OPEN = "mon=00:00-23:59;tue=00:00-23:59;wed=00:00-23:59;thu=00:00-23:59;fri=00:00-23:59;sat=00:00-23:59;sun=00:00-23:59"


async def test_reading_messages_anonymously_asks_for_login(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, cpr=None)
    _, response = await app.asgi_client.get(
        f"/internal/conversations/{conversation.id}/messages", headers=AUTH
    )
    assert response.json["status"] == "login_required" and response.json["login_url"]


async def test_a_citizens_reply_lands_in_their_own_thread_only(app, db: AsyncSession) -> None:
    aviaja = await create_conversation(db, cpr=AVIAJA)
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{aviaja.id}/messages/reply", json={"text": "Thank you"}, headers=AUTH
    )
    assert response.status == 201
    assert [m.text for m, _ in await messages_of(db, AVIAJA)] == ["Thank you"]
    assert await messages_of(db, MALIK) == []
    malik = await create_conversation(db, cpr=MALIK)
    _, read = await app.asgi_client.get(f"/internal/conversations/{malik.id}/messages", headers=AUTH)
    assert read.json == {"status": "ok", "messages": []}


async def test_citizen_messages_are_rate_limited(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, cpr=AVIAJA)
    statuses = []
    for i in range(11):
        _, response = await app.asgi_client.post(
            f"/internal/conversations/{conversation.id}/messages/reply",
            json={"text": f"message {i}"},
            headers=AUTH,
        )
        statuses.append(response.status)
    assert statuses == [201] * 10 + [429]


async def test_handoff_inside_opening_hours_queues_the_conversation(app, db: AsyncSession, settings) -> None:
    object.__setattr__(settings, "opening_hours", ALWAYS_OPEN)
    conversation = await create_conversation(db, cpr=AVIAJA)
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{conversation.id}/handoff", headers=AUTH
    )
    today_is_working = response.json["status"] == "queued"
    await db.refresh(conversation)
    assert conversation.owner == (ConversationOwner.WAITING if today_is_working else ConversationOwner.BOT)


async def test_handoff_outside_opening_hours_offers_a_secure_message(app, db: AsyncSession, settings) -> None:
    object.__setattr__(settings, "opening_hours", "")
    conversation = await create_conversation(db, cpr=AVIAJA)
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{conversation.id}/handoff", headers=AUTH
    )
    assert response.json == {"status": "closed_hours"}
    await db.refresh(conversation)
    assert conversation.owner == ConversationOwner.BOT


async def test_the_citizen_changes_contact_data_and_it_shows_as_changed_by_the_citizen(
    app, db: AsyncSession
) -> None:
    conversation = await create_conversation(db, cpr=AVIAJA)
    _, response = await app.asgi_client.post(
        f"/internal/conversations/{conversation.id}/contact",
        json={"phone": "+299 58 77 66", "email": "aviaja@example.gl", "channels": ["email", "sms"]},
        headers=AUTH,
    )
    assert response.status == 200
    preference = await db.get(ContactPreference, AVIAJA)
    assert (preference.phone_e164, preference.email, preference.channels, preference.changed_by) == (
        "+299587766",
        "aviaja@example.gl",
        ["email", "sms"],
        "citizen",
    )
    assert preference.changed_at <= datetime.now(UTC)
    assert isinstance(conversation, Conversation)


async def test_the_current_contact_data_needs_a_login_and_shows_only_the_citizens_own(
    app, db: AsyncSession
) -> None:
    anonymous = await create_conversation(db, cpr=None)
    _, refused = await app.asgi_client.get(f"/internal/conversations/{anonymous.id}/contact", headers=AUTH)
    assert refused.json["status"] == "login_required"
    await db.refresh(anonymous)
    assert anonymous.pending_intent == "change_contact_info"  # resumed after the login

    aviaja = await create_conversation(db, cpr=AVIAJA)
    malik = await create_conversation(db, cpr=MALIK)
    await app.asgi_client.post(
        f"/internal/conversations/{malik.id}/contact", json={"email": "malik@example.gl"}, headers=AUTH
    )
    _, before = await app.asgi_client.get(f"/internal/conversations/{aviaja.id}/contact", headers=AUTH)
    assert before.json == {
        "status": "ok",
        "contact": {
            "phone": None,
            "email": None,
            "channels": ["sms", "email", "telegram"],
            "changed_by": None,
        },
    }
    await app.asgi_client.post(
        f"/internal/conversations/{aviaja.id}/contact",
        json={"email": "aviaja@example.gl", "channels": ["email", "sms", "telegram"]},
        headers=AUTH,
    )
    _, after = await app.asgi_client.get(f"/internal/conversations/{aviaja.id}/contact", headers=AUTH)
    assert after.json["contact"]["email"] == "aviaja@example.gl"
    assert after.json["contact"]["changed_by"] == "citizen"
    _, unauthorised = await app.asgi_client.get(f"/internal/conversations/{aviaja.id}/contact")
    assert unauthorised.status == 401


async def test_a_channel_chosen_alone_needs_an_address_on_it(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, cpr=AVIAJA)  # a web conversation: no Telegram chat
    path = f"/internal/conversations/{conversation.id}/contact"
    _, no_email = await app.asgi_client.post(path, json={"channels": ["email", "sms"]}, headers=AUTH)
    _, no_chat = await app.asgi_client.post(path, json={"channels": ["telegram"]}, headers=AUTH)
    assert (no_email.status, no_email.json["error"]) == (400, "no_address")
    assert (no_chat.status, no_chat.json["error"]) == (400, "no_address")
    assert await db.get(ContactPreference, AVIAJA) is None  # nothing half-stored

    await app.asgi_client.post(path, json={"email": "aviaja@example.gl"}, headers=AUTH)
    _, chosen = await app.asgi_client.post(
        path, json={"channels": ["email", "sms", "telegram"]}, headers=AUTH
    )
    assert chosen.status == 200
    db.expire_all()
    preference = await db.get(ContactPreference, AVIAJA)
    assert (preference.channels, preference.email) == (["email", "sms", "telegram"], "aviaja@example.gl")
