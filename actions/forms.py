"""Validation of the application form and the caseworker message form, and the form's own questions.

Every step answers every input (docs/dialogue.md, "Off-script answers in forms"). The yes/no steps
and the phone step also take free text (`from_text` mappings in domain.yml), so the form never
rejects an unexpected answer and no policy has to improvise: the validation below says what is
expected (a hint), and the form asks its question again. Only the questions that rules answer (the
FAQ intents, a language switch) and `cancel` are left out of those mappings; rules answer them and
return to the form. The free-text steps (corrections, the message for a caseworker) take everything
but `cancel`; a question there is answered once (the first time), and an empty answer gets a hint.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import conversation_language
from actions.parsing import (
    REGISTER_PHONE_CONFIRMED,
    REGISTER_PHONE_DECLINED,
    PhoneReading,
    may_be_swedish_national,
    normalise_phone,
    read_phone,
)

MAX_TEXT_CHARS = 2000

SlotValues = dict[str, Any]

# Questions the assistant answers wherever they come; inside a yes/no step rules answer them
# (data/stories/rules.yml), inside a free-text step the validation does (once).
FAQ_RESPONSES = {
    "ask_documents": "utter_documents",
    "ask_eligibility": "utter_eligibility",
    "ask_processing_time": "utter_processing_time",
    "ask_private_landlord": "utter_private_landlord_info",
    "bot_challenge": "utter_bot_challenge",
}
# Other tasks the citizen may ask for in the middle of an application: first finish or stop it.
OTHER_TASKS = frozenset(
    {
        "apply_housing_benefit",
        "check_status",
        "read_messages",
        "change_contact_info",
        "logout",
        "talk_to_human",
        "leave_message",
    }
)
# Short answers that say nothing about what is wrong (or what to tell a caseworker).
EMPTY_INTENTS = frozenset({"affirm", "deny", "greet", "thank", "goodbye", "help", "choose_language"})
EMPTY_WORDS = 2  # Greenlandic words are long: three already say something
# What each yes/no step expects, said when the answer was something else.
YES_NO_HINTS = {
    "dwelling_confirmed": "utter_hint_yes_no",
    "household_confirmed": "utter_hint_yes_no",
    "submit_confirmed": "utter_hint_submit",
}


def clean_free_text(value: Any) -> str | None:
    """A citizen's free text, stripped and bounded; None when there is nothing to keep."""
    if not isinstance(value, str):
        return None
    text = value.strip()[:MAX_TEXT_CHARS]
    return text or None


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def latest_text(tracker: Tracker, value: Any = None) -> str:
    """The citizen's message as written (an entity value may hold only part of a number)."""
    text = (tracker.latest_message or {}).get("text")
    if isinstance(text, str) and text.strip():
        return text
    return value if isinstance(value, str) else ""


def says_nothing(text: str, intent: str | None) -> bool:
    """An emoji or punctuation alone, or a short yes, no, hello or thanks: not a correction or message."""
    if not any(character.isalnum() for character in text):
        return True
    return intent in EMPTY_INTENTS and len(text.split()) <= EMPTY_WORDS


def asked_twice(tracker: Tracker) -> bool:
    """Whether the citizen's previous message had the same intent as this one (a question asked
    again at a free-text step is meant as the text, not as a question to the assistant)."""
    intents = [
        ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        for event in reversed(tracker.events)
        if event.get("event") == "user"
    ]
    return len(intents) >= 2 and intents[0] == intents[1]


async def phone_reading(tracker: Tracker, text: str) -> PhoneReading:
    """The number in `text`, read in the conversation's language when that matters (Swedish `070…`)."""
    language = await conversation_language(tracker) if may_be_swedish_national(text) else None
    return read_phone(text, language)


def free_text(
    slot: str, value: Any, tracker: Tracker, dispatcher: CollectingDispatcher, hint: str, noted: str | None
) -> SlotValues:
    """A free-text step: a question is answered once, an empty answer gets `hint`, the rest is kept."""
    text = clean_free_text(value)
    intent = latest_intent(tracker)
    if text is None or says_nothing(text, intent):
        dispatcher.utter_message(response=hint)
        return {slot: None}
    if intent in FAQ_RESPONSES and not asked_twice(tracker):
        dispatcher.utter_message(response=FAQ_RESPONSES[intent])
        return {slot: None}
    if noted:
        dispatcher.utter_message(response=noted)
    return {slot: text}


class ValidateApplicationForm(FormValidationAction):
    def name(self) -> str:
        return "validate_application_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """A correction is asked for only after the citizen said that section is wrong."""
        skipped = {
            f"{section}_correction"
            for section in ("dwelling", "household")
            if tracker.get_slot(f"{section}_confirmed") is not False
        }
        return [slot for slot in domain_slots if slot not in skipped]

    async def validate_dwelling_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return await self._yes_no("dwelling_confirmed", value, dispatcher, tracker)

    async def validate_household_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return await self._yes_no("household_confirmed", value, dispatcher, tracker)

    async def validate_submit_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        """Both answers end the form; action_submit_application sends only on True."""
        return await self._yes_no("submit_confirmed", value, dispatcher, tracker)

    async def _yes_no(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> SlotValues:
        """Yes or no fills the step. Anything else: another task waits until the application is done;
        an off-topic question gets the usual answer; a number at "send now?" replaces the phone number
        (the summary is shown again), at the other steps it is asked for later; otherwise a hint of
        what is expected. The form then asks its question again."""
        if isinstance(value, bool):
            return {slot: value}
        if latest_intent(tracker) in OTHER_TASKS:
            dispatcher.utter_message(response="utter_finish_first")
            return {slot: None}
        if latest_intent(tracker) == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
            return {slot: None}
        reading = await phone_reading(tracker, latest_text(tracker, value))
        if slot == "submit_confirmed" and reading.number:
            dispatcher.utter_message(response="utter_phone_changed", phone=reading.number)
            return {slot: None, "phone": reading.number}
        if slot == "submit_confirmed" and reading.ambiguous:
            dispatcher.utter_message(response="utter_phone_ambiguous")
            return {slot: None}
        if reading.found:
            dispatcher.utter_message(response="utter_phone_later")
            return {slot: None}
        dispatcher.utter_message(response=YES_NO_HINTS[slot])
        return {slot: None}

    def validate_dwelling_correction(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return free_text(
            "dwelling_correction",
            value,
            tracker,
            dispatcher,
            "utter_hint_correction",
            "utter_correction_noted",
        )

    def validate_household_correction(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return free_text(
            "household_correction",
            value,
            tracker,
            dispatcher,
            "utter_hint_correction",
            "utter_correction_noted",
        )

    async def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        """Yes keeps the register's number, no asks for another; a number in the message is taken
        (also in "no, it is 52 12 34"); anything else gets a hint and the question again."""
        if value is None:
            return {"phone": None}
        register_phone = tracker.get_slot("register_phone")
        offered = bool(register_phone) and not tracker.get_slot("phone_register_declined")
        reading = await phone_reading(tracker, latest_text(tracker, value))
        if reading.number:
            return {"phone": reading.number}
        if value == REGISTER_PHONE_CONFIRMED and offered and normalise_phone(register_phone):
            return {"phone": normalise_phone(register_phone)}
        if value in (REGISTER_PHONE_CONFIRMED, REGISTER_PHONE_DECLINED) and offered:
            return {"phone": None, "phone_register_declined": True}
        if reading.ambiguous:
            dispatcher.utter_message(response="utter_phone_ambiguous")
        elif latest_intent(tracker) in OTHER_TASKS:
            dispatcher.utter_message(response="utter_finish_first")
        elif latest_intent(tracker) == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope")
        elif any(character.isdigit() for character in latest_text(tracker, value)):
            dispatcher.utter_message(response="utter_invalid_phone")  # meant as a number: which ones work
        else:
            dispatcher.utter_message(response="utter_hint_phone_known" if offered else "utter_hint_phone")
        return {"phone": None}


class ActionAskPhone(Action):
    """Asks whether the register's number is still right, or for a number."""

    def name(self) -> str:
        return "action_ask_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        register_phone = tracker.get_slot("register_phone")
        if register_phone and not tracker.get_slot("phone_register_declined"):
            dispatcher.utter_message(response="utter_ask_phone_known", register_phone=register_phone)
        else:
            dispatcher.utter_message(response="utter_ask_phone")
        return []


class ActionAskSubmitConfirmed(Action):
    """The summary, then the explicit question whether to send."""

    def name(self) -> str:
        return "action_ask_submit_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            response="utter_summary",
            period_month=tracker.get_slot("period_month"),
            dwelling_confirmed=tracker.get_slot("dwelling_confirmed"),
            household_confirmed=tracker.get_slot("household_confirmed"),
            phone=tracker.get_slot("phone"),
        )
        dispatcher.utter_message(response="utter_ask_submit_confirmed")
        return []


class ValidateCaseworkerMessageForm(FormValidationAction):
    def name(self) -> str:
        return "validate_caseworker_message_form"

    def validate_caseworker_message(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return free_text(
            "caseworker_message", value, tracker, dispatcher, "utter_hint_caseworker_message", None
        )
