import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.errors import Conflict
from backend.inbox import live
from backend.models.conversations import ChatMessage
from backend.models.states import ConversationOwner
from tests.backend.applications.factories import AVIAJA, create_conversation
from tests.backend.inbox.factories import create_caseworker, log_in


async def test_two_caseworkers_taking_at_once_exactly_one_wins(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await create_caseworker(db, username="first")
    second = await create_caseworker(db, username="second")

    async def take(caseworker_id: int, cid: str) -> bool:
        async with sessions() as own:
            try:
                await live.take(own, caseworker_id, cid)
            except Conflict:
                return False
            return True

    for _ in range(5):
        conversation = await create_conversation(db, cpr=AVIAJA)
        await live.request_handoff(db, conversation.id)
        results = await asyncio.gather(take(first.id, conversation.id), take(second.id, conversation.id))
        assert sorted(results) == [False, True]
        await db.refresh(conversation)
        winner = first.id if results[0] else second.id
        assert (conversation.owner, conversation.owner_caseworker_id) == (ConversationOwner.HUMAN, winner)


async def test_the_live_api_takes_writes_and_hands_back_to_the_bot(app, db: AsyncSession) -> None:
    await create_caseworker(db, username="first")
    await create_caseworker(db, username="second")
    conversation = await create_conversation(db, cpr=AVIAJA)
    await live.request_handoff(db, conversation.id)
    first, second = await log_in(app, "first"), await log_in(app, "second")

    _, queue = await app.asgi_client.get("/api/caseworker/live", headers=first.headers)
    assert [c["conversation_id"] for c in queue.json["conversations"]] == [conversation.id]
    _, taken = await app.asgi_client.post(
        f"/api/caseworker/live/{conversation.id}/take", headers=first.headers
    )
    _, lost = await app.asgi_client.post(
        f"/api/caseworker/live/{conversation.id}/take", headers=second.headers
    )
    assert (taken.status, lost.status) == (200, 409)
    _, intruder = await app.asgi_client.post(
        f"/api/caseworker/live/{conversation.id}/messages", json={"text": "hi"}, headers=second.headers
    )
    assert intruder.status == 409
    _, written = await app.asgi_client.post(
        f"/api/caseworker/live/{conversation.id}/messages",
        json={"text": "Hello, I am Pipaluk"},
        headers=first.headers,
    )
    assert written.status == 201
    _, closed = await app.asgi_client.post(
        f"/api/caseworker/live/{conversation.id}/close", headers=first.headers
    )
    assert closed.status == 200

    await db.refresh(conversation)
    assert (conversation.owner, conversation.owner_caseworker_id) == (ConversationOwner.BOT, None)
    message = await db.get(ChatMessage, written.json["id"])
    assert (message.sender, message.text) == ("caseworker", "Hello, I am Pipaluk")


async def test_a_closed_conversation_cannot_be_taken(db: AsyncSession) -> None:
    caseworker = await create_caseworker(db)
    conversation = await create_conversation(db, cpr=AVIAJA)
    with pytest.raises(Conflict):
        await live.take(db, caseworker.id, conversation.id)
    await db.refresh(conversation)
    assert conversation.owner == ConversationOwner.BOT
