from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.conversations import service
from backend.models.states import ConversationOwner
from tests.backend.applications.factories import AVIAJA, seed_registers


async def test_a_person_is_logged_in_only_until_the_binding_ends(db: AsyncSession) -> None:
    await seed_registers(db)
    conversation = await service.create_conversation(db, channel="web")
    assert await service.current_person_cpr(db, conversation) is None

    await service.bind_person(db, conversation, AVIAJA, until=datetime.now(UTC) + timedelta(minutes=1))
    assert await service.current_person_cpr(db, conversation) == AVIAJA
    later = datetime.now(UTC) + timedelta(minutes=2)
    assert await service.current_person_cpr(db, conversation, now=later) is None

    await service.bind_person(db, conversation, AVIAJA, until=None)
    assert await service.current_person_cpr(db, conversation, now=later) == AVIAJA
    await service.unbind_person(db, conversation)
    assert await service.current_person_cpr(db, conversation) is None


async def test_a_pending_intent_can_be_claimed_only_once(db: AsyncSession, sessions) -> None:
    conversation = await service.create_conversation(db, channel="web")
    conversation.pending_intent = "status"
    await db.commit()

    async with sessions() as first, sessions() as second:
        assert await service.claim_pending_intent(first, conversation.id) == "status"
        await first.commit()
        assert await service.claim_pending_intent(second, conversation.id) is None

    await service.restore_pending_intent(db, conversation.id, "status")
    await db.commit()
    await db.refresh(conversation)
    assert conversation.pending_intent == "status"


async def test_the_transcript_is_in_order_and_per_conversation(db: AsyncSession) -> None:
    mine = await service.create_conversation(db, channel="web")
    other = await service.create_conversation(db, channel="web")
    await service.append_message(db, mine.id, sender="citizen", text="en")
    await service.append_message(db, other.id, sender="citizen", text="fremmed")
    await service.append_message(
        db, mine.id, sender="bot", text="to", buttons=[{"title": "Ja", "payload": "/affirm"}]
    )
    await db.commit()

    rows = await service.transcript(db, mine.id)
    assert [(m.sender, m.text) for m in rows] == [("citizen", "en"), ("bot", "to")]
    assert rows[1].buttons == [{"title": "Ja", "payload": "/affirm"}]
    assert [m.text for m in await service.transcript(db, mine.id, after_id=rows[0].id)] == ["to"]


async def test_a_phone_number_keeps_its_conversation(db: AsyncSession) -> None:
    first = await service.get_or_create_for_address(db, channel="sms", address="+299551234")
    again = await service.get_or_create_for_address(db, channel="sms", address="+299551234")
    telegram = await service.get_or_create_for_address(db, channel="telegram", address="+299551234")
    await db.commit()
    assert first.id == again.id != telegram.id
    assert (first.channel, first.channel_address, first.owner) == ("sms", "+299551234", ConversationOwner.BOT)


async def test_unknown_or_absurd_conversation_ids_are_simply_not_found(db: AsyncSession) -> None:
    assert await service.get_conversation(db, "nope") is None
    assert await service.get_conversation(db, "x" * 1000) is None
