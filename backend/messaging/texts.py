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
DECISION_NOTIFICATION_TEXT = N_(
    "There is news about your application for housing benefit. Log in to see it: {login_url}"
)
DECISION_NOTIFICATION_SUBJECT = N_("News about your application for housing benefit")


def render(language: str, msgid: str, **arguments: object) -> str:
    return translate(language, msgid, **arguments)
