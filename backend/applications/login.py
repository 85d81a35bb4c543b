"""Where a citizen logs in before an application or a status answer.

On the web, the login page itself; on SMS and Telegram, a one-time link that binds that phone number
or chat to the person who logs in through it (backend.channels.binding).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.models.conversations import Conversation


async def login_url_for(db: AsyncSession, conversation: Conversation, settings: Settings) -> str:
    if conversation.channel in ("sms", "telegram"):
        from backend.channels.binding import create_link  # channels depend on applications, not back

        return await create_link(db, conversation, settings)
    return f"{settings.public_base_url}/auth/login"
