"""Live handoff: the conversation's owner moves bot → waiting → human → bot (or closed).

Each move is one conditional UPDATE, so of two caseworkers taking the same conversation at once exactly
one wins (the other gets 409). While a person owns it, the gateway does not call Rasa (helper H2).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.errors import Conflict, NotFound
from backend.inbox.applications import iso
from backend.inbox.i18n import N_
from backend.messaging.service import clean_message_text
from backend.models.conversations import ChatMessage, Conversation
from backend.models.states import CONVERSATION_WITH_PEOPLE, ConversationOwner

TRANSCRIPT_TAIL = 20


async def _conversation(db: AsyncSession, cid: str) -> Conversation:
    conversation = await db.get(Conversation, cid) if len(cid) <= 64 else None
    if conversation is None:
        raise NotFound(N_("unknown conversation"))
    return conversation


async def _move(
    db: AsyncSession, cid: str, *, from_owner: str, caseworker_id: int | None, **values: Any
) -> bool:
    query = update(Conversation).where(Conversation.id == cid, Conversation.owner == from_owner)
    if caseworker_id is not None:
        query = query.where(Conversation.owner_caseworker_id == caseworker_id)
    result = await db.execute(query.values(updated_at=datetime.now(UTC), **values))
    return bool(result.rowcount)


async def request_handoff(db: AsyncSession, cid: str) -> None:
    """The citizen asked for a person: into the live queue (from the bot only). Commits."""
    conversation = await _conversation(db, cid)
    if await _move(
        db,
        cid,
        from_owner=ConversationOwner.BOT,
        caseworker_id=None,
        owner=ConversationOwner.WAITING,
        owner_caseworker_id=None,
    ):
        await audit.record(
            db,
            actor="citizen",
            action="handoff_requested",
            person_cpr=conversation.person_cpr,
            details={"conversation": cid},
        )
    await db.commit()


async def queue(db: AsyncSession) -> list[dict[str, Any]]:
    """Conversations waiting for a person, oldest first, and the ones people have now."""
    rows = await db.execute(
        select(Conversation)
        .where(Conversation.owner.in_(CONVERSATION_WITH_PEOPLE))
        .order_by(Conversation.updated_at, Conversation.id)
    )
    return [
        {
            "conversation_id": c.id,
            "owner": c.owner,
            "owner_caseworker_id": c.owner_caseworker_id,
            "channel": c.channel,
            "language": c.language,
            "authenticated": c.person_cpr is not None,
            "since": iso(c.updated_at),
        }
        for c in rows.scalars().all()
    ]


async def transcript(db: AsyncSession, caseworker_id: int, cid: str) -> list[dict[str, Any]]:
    conversation = await _conversation(db, cid)
    rows = await db.execute(
        select(ChatMessage)
        .where(ChatMessage.conversation_id == cid)
        .order_by(ChatMessage.created_at.desc(), ChatMessage.id.desc())
        .limit(TRANSCRIPT_TAIL)
    )
    await audit.record(
        db,
        actor=f"caseworker:{caseworker_id}",
        action="conversation_viewed",
        person_cpr=conversation.person_cpr,
        details={"conversation": cid},
    )
    await db.commit()
    return [
        {"from": m.sender, "text": m.text, "at": iso(m.created_at)} for m in reversed(rows.scalars().all())
    ]


async def take(db: AsyncSession, caseworker_id: int, cid: str) -> None:
    """Take a waiting conversation. Atomic: the loser of a race gets Conflict. Commits."""
    conversation = await _conversation(db, cid)
    if not await _move(
        db,
        cid,
        from_owner=ConversationOwner.WAITING,
        caseworker_id=None,
        owner=ConversationOwner.HUMAN,
        owner_caseworker_id=caseworker_id,
    ):
        await db.rollback()
        raise Conflict(
            N_("the conversation is not waiting (another caseworker took it)"), code="already_taken"
        )
    await audit.record(
        db,
        actor=f"caseworker:{caseworker_id}",
        action="conversation_taken",
        person_cpr=conversation.person_cpr,
        details={"conversation": cid},
    )
    await db.commit()


async def write(db: AsyncSession, caseworker_id: int, cid: str, text: str) -> ChatMessage:
    """The caseworker's message: into the transcript (the web widget shows it), and out by SMS or
    Telegram through the outbox for those channels. Only the owner may write. Commits."""
    conversation = await _conversation(db, cid)
    if conversation.owner != ConversationOwner.HUMAN or conversation.owner_caseworker_id != caseworker_id:
        raise Conflict(N_("you do not own this conversation"), code="not_owner")
    message = ChatMessage(conversation_id=cid, sender="caseworker", text=clean_message_text(text))
    db.add(message)
    if conversation.channel in ("sms", "telegram") and conversation.channel_address:
        from backend.outbox.service import enqueue

        await enqueue(
            db,
            channel=conversation.channel,
            to=conversation.channel_address,
            text=message.text,
            kind="live_reply",
            conversation_id=cid,
            person_cpr=conversation.person_cpr,
        )
    await audit.record(
        db,
        actor=f"caseworker:{caseworker_id}",
        action="conversation_written",
        person_cpr=conversation.person_cpr,
        details={"conversation": cid},
    )
    await db.commit()
    return message


async def close(db: AsyncSession, caseworker_id: int, cid: str) -> None:
    """Hand the conversation back to the bot (explicitly). Only the owner may. Commits."""
    conversation = await _conversation(db, cid)
    if not await _move(
        db,
        cid,
        from_owner=ConversationOwner.HUMAN,
        caseworker_id=caseworker_id,
        owner=ConversationOwner.BOT,
        owner_caseworker_id=None,
    ):
        await db.rollback()
        raise Conflict(N_("you do not own this conversation"), code="not_owner")
    await audit.record(
        db,
        actor=f"caseworker:{caseworker_id}",
        action="conversation_closed",
        person_cpr=conversation.person_cpr,
        details={"conversation": cid},
    )
    await db.commit()
