"""What several actions share: the application's slots, the soft failure, the conversation's language."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.backend_client import BackendClient, BackendUnavailable

# Everything one application leaves in the tracker; reset when it is finished or stopped.
APPLICATION_SLOTS = (
    "draft_id",
    "register_phone",
    "period_month",
    "phone_register_declined",
    "dwelling_confirmed",
    "dwelling_correction",
    "household_confirmed",
    "household_correction",
    "phone",
    "submit_confirmed",
)


def reset_application() -> list[dict[str, Any]]:
    """Events that forget the current application (and say no application is in progress)."""
    return [
        *(SlotSet(name, None) for name in APPLICATION_SLOTS),
        SlotSet("application_ready", False),
        SlotSet("submission_pending", False),
        SlotSet("draft_choice", None),
        SlotSet("draft_started_on", None),
    ]


def backend_unavailable(dispatcher: CollectingDispatcher) -> None:
    """The soft failure: tell the citizen to try again; callers change no state."""
    dispatcher.utter_message(response="utter_backend_unavailable")


TOO_MANY_REQUESTS = 429  # the backend's answer over a daily limit (applications, messages, handoffs)


def too_many_requests(dispatcher: CollectingDispatcher) -> None:
    """Over a daily limit: tell the citizen to try again tomorrow; callers change no state."""
    dispatcher.utter_message(response="utter_too_many_requests")


LANGUAGES = ("kl", "da", "sv")


async def conversation_language(tracker: Tracker) -> str | None:
    """The conversation's language (kl, da, sv): from the message's metadata when the channel sent
    it, else from the backend; None when neither says (callers then assume nothing)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    if metadata.get("language") in LANGUAGES:
        return str(metadata["language"])
    try:
        reply = await BackendClient.from_env().conversation(tracker.sender_id)
    except BackendUnavailable:
        return None
    language = reply.body.get("language")
    return language if language in LANGUAGES else None
