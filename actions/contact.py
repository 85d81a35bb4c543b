"""The citizen changes where notifications go (issue 4, seed 004): a new mobile number or e-mail,
or which channel comes first (SMS, e-mail, Telegram).

`action_start_contact_change` shows the current data (after eID login) and opens `contact_form`;
`validate_contact_form` accepts a valid number, an e-mail address or a channel's name;
`action_change_contact` saves it through the backend, which records the change as made by the
citizen (and refuses a channel it has no address for).
"""

from __future__ import annotations

import logging
import re
from typing import Any

import phonenumbers
from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendUnavailable
from actions.common import backend_unavailable, conversation_language
from actions.parsing import extract_phone, may_be_swedish_national, read_phone

logger = logging.getLogger(__name__)

# One address, nothing around it; the backend checks again.
EMAIL = re.compile(r"[^@\s<>\"']{1,64}@[^@\s<>\"']{1,190}\.[A-Za-z]{2,24}")
NONE_SHOWN = "–"


CHANNELS = ("sms", "email", "telegram")
# A channel's name as citizens write it (and the buttons' payloads), in kl, da, sv and English.
CHANNEL_WORDS = {
    "sms": "sms",
    "sms-imik": "sms",
    "sms-ikkut": "sms",
    "tekstbesked": "sms",
    "sms-besked": "sms",
    "textmeddelande": "sms",
    "e-mail": "email",
    "email": "email",
    "mail": "email",
    "e-mailikkut": "email",
    "e-post": "email",
    "epost": "email",
    "telegram": "telegram",
    "telegramikkut": "telegram",
}


def chosen_channel(text: str) -> str | None:
    """The channel a one-word answer names ("SMS", "e-post!", "telegramikkut"), else None."""
    return CHANNEL_WORDS.get(text.strip().strip(".!").strip().casefold())


def parse_contact(text: Any, language: str | None = None) -> dict[str, Any] | None:
    """{"email": ..., "channels": [...]} or {"phone": ..., "channels": [...]}: the new detail first
    among the notification channels; {"channels": [...]} for a channel's name alone; None when the
    text holds none of these. `language` decides whether `070-123 45 67` is a Swedish number."""
    if not isinstance(text, str) or len(text) > 300:
        return None
    channel = chosen_channel(text)
    if channel:
        return {"channels": [channel, *(c for c in CHANNELS if c != channel)]}
    email = EMAIL.search(text)
    if email:
        return {"email": email.group(0), "channels": ["email", "sms", "telegram"]}
    phone = extract_phone(text, language)
    if phone:
        return {"phone": phone, "channels": ["sms", "email", "telegram"]}
    return None


def display_phone(e164: Any) -> str | None:
    """+299551234 → "+299 55 12 34" (the citizen's own number, shown back to them)."""
    if not isinstance(e164, str) or not e164:
        return None
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class ActionStartContactChange(Action):
    def name(self) -> str:
        return "action_start_contact_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            reply = await BackendClient.from_env().contact(tracker.sender_id)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return []
        body = reply.body
        if body.get("status") == "login_required":
            dispatcher.utter_message(response="utter_login_required", login_url=body.get("login_url"))
            return []
        contact = body.get("contact")
        if body.get("status") != "ok" or not isinstance(contact, dict):
            logger.warning("unexpected contact answer: HTTP %s", reply.status_code)
            backend_unavailable(dispatcher)
            return []
        dispatcher.utter_message(
            response="utter_contact_current",
            sms_to=display_phone(contact.get("phone")) or NONE_SHOWN,
            email_to=contact.get("email") or NONE_SHOWN,
        )
        return [SlotSet("contact_detail", None), FollowupAction("contact_form")]


class ValidateContactForm(FormValidationAction):
    def name(self) -> str:
        return "validate_contact_form"

    async def validate_contact_detail(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Keeps the detail in a form that needs no language to read again (a number in E.164)."""
        text = value if isinstance(value, str) else ""
        language = await conversation_language(tracker) if may_be_swedish_national(text) else None
        change = parse_contact(text, language)
        if change is None:
            ambiguous = read_phone(text, language).ambiguous and EMAIL.search(text) is None
            dispatcher.utter_message(
                response="utter_phone_ambiguous" if ambiguous else "utter_contact_invalid"
            )
            return {"contact_detail": None}
        return {"contact_detail": change.get("phone") or value}


class ActionChangeContact(Action):
    def name(self) -> str:
        return "action_change_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        done = [SlotSet("contact_detail", None)]
        change = parse_contact(tracker.get_slot("contact_detail"))
        if change is None:
            dispatcher.utter_message(response="utter_contact_invalid")
            return done
        try:
            reply = await BackendClient.from_env().change_contact(tracker.sender_id, change)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return done
        body = reply.body
        only_channel = "email" not in change and "phone" not in change
        if reply.status_code == 200 and body.get("status") == "ok" and only_channel:
            dispatcher.utter_message(response=f"utter_contact_channel_{change['channels'][0]}")
        elif reply.status_code == 200 and body.get("status") == "ok":
            dispatcher.utter_message(
                response="utter_contact_changed",
                contact=change.get("email") or display_phone(change.get("phone")),
            )
        elif reply.status_code == 400 and body.get("error") == "no_address":
            dispatcher.utter_message(response="utter_contact_channel_missing")
            return [*done, FollowupAction("contact_form")]  # ask again: a number, an address or a channel
        elif body.get("status") == "login_required":
            dispatcher.utter_message(response="utter_login_required", login_url=body.get("login_url"))
        elif reply.status_code == 400:
            dispatcher.utter_message(response="utter_contact_invalid")
        else:
            logger.warning("contact change refused: HTTP %s, error %r", reply.status_code, body.get("error"))
            backend_unavailable(dispatcher)
        return done
