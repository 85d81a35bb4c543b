"""Conversations, the person bound to them, and their transcript. Nothing here commits: callers do.

A conversation's id is the sender id Rasa sees. A person is bound to a conversation after an eID login
(web) or through a one-time link (SMS, Telegram; issue 3) until `bound_until`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.conversations import ChatMessage, Conversation
from backend.models.states import ConversationOwner

CHANNELS = ("web", "sms", "telegram")
MAX_ID_CHARS = 64


def new_conversation_id() -> str:
    return secrets.token_hex(16)


def as_utc(moment: datetime) -> datetime:
    """SQLite gives naive datetimes back; every stored time is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def create_conversation(
    db: AsyncSession, *, channel: str, address: str | None = None, language: str | None = None
) -> Conversation:
    """A new conversation owned by the bot (flushed, not committed)."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    conversation = Conversation(
        id=new_conversation_id(),
        channel=channel,
        channel_address=address,
        owner=ConversationOwner.BOT,
        language=language,
        language_source="widget" if language else None,
    )
    db.add(conversation)
    await db.flush()
    return conversation


async def get_conversation(db: AsyncSession, conversation_id: str) -> Conversation | None:
    if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= MAX_ID_CHARS:
        return None
    return await db.get(Conversation, conversation_id)


async def lock_conversation(db: AsyncSession, conversation_id: str) -> Conversation | None:
    """The conversation, its row locked until the transaction ends (PostgreSQL; SQLite serialises
    writers anyway): an owner change waits for it."""
    if not isinstance(conversation_id, str) or not 0 < len(conversation_id) <= MAX_ID_CHARS:
        return None
    result = await db.execute(
        select(Conversation).where(Conversation.id == conversation_id).with_for_update()
    )
    return result.scalars().first()


async def get_or_create_for_address(db: AsyncSession, *, channel: str, address: str) -> Conversation:
    """The newest conversation of a phone number or Telegram chat on that channel, or a new one."""
    result = await db.execute(
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.channel_address == address)
        .order_by(Conversation.created_at.desc(), Conversation.id.desc())
        .limit(1)
    )
    return result.scalars().first() or await create_conversation(db, channel=channel, address=address)


def is_bound(conversation: Conversation, *, now: datetime | None = None) -> bool:
    if conversation.person_cpr is None:
        return False
    if conversation.bound_until is None:
        return True
    return as_utc(conversation.bound_until) > (now or datetime.now(UTC))


async def current_person_cpr(
    db: AsyncSession, conversation: Conversation, *, now: datetime | None = None
) -> str | None:
    """The person logged in on the conversation, while `bound_until` is empty or in the future.

    `db` is taken so that channel-level bindings (issue 3) can be looked up here without changing callers.
    """
    return conversation.person_cpr if is_bound(conversation, now=now) else None


async def bind_person(
    db: AsyncSession, conversation: Conversation, cpr: str, *, until: datetime | None
) -> None:
    """Bind `cpr` to the conversation until `until` (None: until unbound)."""
    conversation.person_cpr = cpr
    conversation.bound_until = until
    await db.flush()


async def unbind_person(db: AsyncSession, conversation: Conversation) -> None:
    conversation.person_cpr = None
    conversation.bound_until = None
    conversation.pending_intent = None
    await db.flush()


async def claim_pending_intent(db: AsyncSession, conversation_id: str) -> str | None:
    """Take the conversation's pending intent away, atomically: of two requests at once only one gets it."""
    conversation = await db.get(Conversation, conversation_id)
    intent = conversation.pending_intent if conversation is not None else None
    if intent is None:
        return None
    result = await db.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.pending_intent == intent)
        .values(pending_intent=None)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:
        return None
    conversation.pending_intent = None  # the row already says so; keep the loaded object in step
    return intent


async def restore_pending_intent(db: AsyncSession, conversation_id: str, intent: str) -> None:
    """Give a claimed intent back (its turn failed) unless another one was recorded meanwhile."""
    await db.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.pending_intent.is_(None))
        .values(pending_intent=intent)
        .execution_options(synchronize_session=False)
    )


async def append_message(
    db: AsyncSession,
    conversation_id: str,
    *,
    sender: str,
    text: str,
    buttons: list[dict[str, str]] | None = None,
    client_message_id: str | None = None,
) -> ChatMessage:
    """Add one message to the transcript (plain text; escaped wherever it is shown)."""
    message = ChatMessage(
        conversation_id=conversation_id,
        sender=sender,
        text=text,
        buttons=buttons or None,
        client_message_id=client_message_id,
    )
    db.add(message)
    await db.flush()
    return message


async def citizen_message_by_client_id(
    db: AsyncSession, conversation_id: str, client_message_id: str
) -> ChatMessage | None:
    """The citizen's message the widget sent with this id, if it was stored before."""
    return await db.scalar(
        select(ChatMessage).where(
            ChatMessage.conversation_id == conversation_id,
            ChatMessage.client_message_id == client_message_id,
            ChatMessage.sender == "citizen",
        )
    )


async def bot_answer_to(db: AsyncSession, message: ChatMessage) -> list[ChatMessage]:
    """The bot's messages that answered a citizen's message: those after it, up to the citizen's next."""
    result = await db.execute(
        select(ChatMessage)
        .where(ChatMessage.conversation_id == message.conversation_id, ChatMessage.id > message.id)
        .order_by(ChatMessage.id)
        .limit(50)
    )
    answer: list[ChatMessage] = []
    for row in result.scalars():
        if row.sender == "citizen":
            break
        if row.sender == "bot":
            answer.append(row)
    return answer


async def transcript(
    db: AsyncSession, conversation_id: str, *, after_id: int = 0, limit: int = 500
) -> Sequence[ChatMessage]:
    """The conversation's messages in order (only those after `after_id`, the newest `limit`)."""
    result = await db.execute(
        select(ChatMessage)
        .where(ChatMessage.conversation_id == conversation_id, ChatMessage.id > after_id)
        .order_by(ChatMessage.id.desc())
        .limit(limit)
    )
    return list(reversed(result.scalars().all()))
