"""Where a citizen logs in before an application or a status answer.

Kept in one function so the SMS/Telegram one-time links of issue 3 can replace it.
"""

from __future__ import annotations

from backend.config import Settings
from backend.models.conversations import Conversation


def login_url_for(conversation: Conversation, settings: Settings) -> str:
    return f"{settings.public_base_url}/auth/login"
