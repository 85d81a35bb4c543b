"""Where a citizen logs in before an application or a status answer.

On the web, the login page itself; on SMS and Telegram, a one-time link that binds that phone number
or chat to the person who logs in through it. The link is made here; its pages, and the binding when
it is redeemed, are backend.channels.binding (channels depend on applications, not back).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.models.conversations import Conversation
from backend.models.outbox import LinkToken

LINK_PATH = "/l/"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_link(db: AsyncSession, conversation: Conversation, settings: Settings) -> str:
    """A new one-time login link for the conversation's channel (flushed, not committed)."""
    token = secrets.token_urlsafe(16)
    now = datetime.now(UTC)
    db.add(
        LinkToken(
            token_hash=hash_token(token),
            conversation_id=conversation.id,
            channel=conversation.channel,
            address=conversation.channel_address or "",
            created_at=now,
            expires_at=now + timedelta(minutes=settings.link_ttl_minutes),
        )
    )
    await db.flush()
    return f"{settings.public_base_url}{LINK_PATH}{token}"


async def login_url_for(db: AsyncSession, conversation: Conversation, settings: Settings) -> str:
    if conversation.channel in ("sms", "telegram"):
        return await create_link(db, conversation, settings)
    return f"{settings.public_base_url}/auth/login"
