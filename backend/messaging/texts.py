"""Citizen-facing texts of messaging, as catalog msgids (translated in locales/ to kl, da and sv).

The notification is neutral on purpose (seed 002): no name, no CPR number, no content — only that news
from the municipality is waiting and where to log in.
"""

from __future__ import annotations

from backend.nlg import N_, translate

NOTIFICATION_TEXT = N_(
    "You have a new message from the municipality about housing benefit. Log in to read it: {login_url}"
)
NOTIFICATION_SUBJECT = N_("New message from the municipality")
DIGEST_SUBJECT = N_("Housing benefit: applications are waiting")
DIGEST_TEXT = N_(
    "{count} housing-benefit applications are waiting to be processed. Open the inbox: {inbox_url}"
)


def render(language: str, msgid: str, **arguments: object) -> str:
    return translate(language, msgid, **arguments)
