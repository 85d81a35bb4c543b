"""Caseworkers bind and unbind phone numbers (identity checked in person); operators see failed sends."""

from __future__ import annotations

from sqlalchemy import select

from backend.conversations.service import current_person_cpr
from backend.dao.audit import dao_get_audit_entries
from backend.models.conversations import Conversation
from backend.models.states import OutboxState
from backend.outbox import service as outbox
from tests.backend.applications.factories import MALIK, seed_registers
from tests.backend.inbox.factories import create_caseworker, log_in


async def test_a_caseworker_binds_and_unbinds_a_phone_and_both_are_audited(app, db) -> None:
    await seed_registers(db)
    worker = await create_caseworker(db)
    await db.commit()
    session = await log_in(app)
    _, bound = await app.asgi_client.post(
        "/api/caseworker/bindings", json={"cpr": MALIK, "phone": "52 12 34"}, headers=session.headers
    )
    assert bound.status == 201 and bound.json["phone"] == "+299521234"
    conversation = (await db.execute(select(Conversation))).scalars().one()
    assert await current_person_cpr(db, conversation) == MALIK
    _, unbound = await app.asgi_client.post(
        "/api/caseworker/bindings/unbind",
        json={"channel": "sms", "address": "+299 52 12 34"},
        headers=session.headers,
    )
    assert unbound.status == 200 and unbound.json == {"unbound": 1}
    await db.refresh(conversation)
    assert conversation.person_cpr is None
    actions = [(e.actor, e.action) for e in await dao_get_audit_entries(db, person_cpr=MALIK)]
    assert (f"caseworker:{worker.id}", "channel_bound") in actions
    assert (f"caseworker:{worker.id}", "channel_unbound") in actions


async def test_binding_refuses_bad_input_and_needs_a_login(app, db) -> None:
    await seed_registers(db)
    await create_caseworker(db)
    await db.commit()
    _, anonymous = await app.asgi_client.post(
        "/api/caseworker/bindings", json={"cpr": MALIK, "phone": "521234"}
    )
    assert anonymous.status == 401
    session = await log_in(app)
    for body, status in (
        ({"cpr": "x", "phone": "521234"}, 400),
        ({"cpr": MALIK, "phone": "12"}, 400),
        ({"cpr": "0101011234", "phone": "521234"}, 404),
        ({"cpr": MALIK}, 400),
    ):
        _, response = await app.asgi_client.post(
            "/api/caseworker/bindings", json=body, headers=session.headers
        )
        assert response.status == status, body
    _, bad_channel = await app.asgi_client.post(
        "/api/caseworker/bindings/unbind", json={"channel": "pigeon", "address": "x"}, headers=session.headers
    )
    assert bad_channel.status == 400
    assert (await db.execute(select(Conversation))).scalars().all() == []


async def test_administrators_see_failed_messages_without_their_text(app, db) -> None:
    await create_caseworker(db, username="boss", role="administrator")
    message = await outbox.enqueue(db, channel="sms", to="+299521234", text="personal", kind="bot_reply")
    assert message is not None
    message.status, message.error = OutboxState.FAILED, "twilio 21211: invalid number"
    await db.commit()
    session = await log_in(app, "boss")
    _, response = await app.asgi_client.get(
        "/api/caseworker/admin/outbox?status=failed", headers=session.headers
    )
    assert response.status == 200
    (listed,) = response.json["messages"]
    assert listed["error"] == "twilio 21211: invalid number" and "text" not in listed and "to" not in listed
