"""Validation of the application form and the caseworker message form, and the form's own questions."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.parsing import REGISTER_PHONE_CONFIRMED, REGISTER_PHONE_DECLINED, extract_phone, normalise_phone

MAX_TEXT_CHARS = 2000

SlotValues = dict[str, Any]


def clean_free_text(value: Any) -> str | None:
    """A citizen's free text, stripped and bounded; None when there is nothing to keep."""
    if not isinstance(value, str):
        return None
    text = value.strip()[:MAX_TEXT_CHARS]
    return text or None


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

    def validate_dwelling_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return {"dwelling_confirmed": value if isinstance(value, bool) else None}

    def validate_household_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return {"household_confirmed": value if isinstance(value, bool) else None}

    def validate_dwelling_correction(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return _correction("dwelling_correction", value, dispatcher)

    def validate_household_correction(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        return _correction("household_correction", value, dispatcher)

    def validate_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        """Yes keeps the register's number, no asks for another; anything else must be a valid number."""
        if value is None:
            return {"phone": None}
        register_phone = tracker.get_slot("register_phone")
        offered = bool(register_phone) and not tracker.get_slot("phone_register_declined")
        if value == REGISTER_PHONE_CONFIRMED:
            kept = normalise_phone(register_phone) if offered and register_phone else None
            return {"phone": kept}
        if value == REGISTER_PHONE_DECLINED:
            return {"phone": None, "phone_register_declined": True}
        number = extract_phone(value if isinstance(value, str) else None)
        if number is None:
            dispatcher.utter_message(response="utter_invalid_phone")
            return {"phone": None, "phone_invalid": True}
        return {"phone": number}

    def validate_submit_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> SlotValues:
        """Both answers end the form; action_submit_application sends only on True."""
        return {"submit_confirmed": value if isinstance(value, bool) else None}


def _correction(slot: str, value: Any, dispatcher: CollectingDispatcher) -> SlotValues:
    text = clean_free_text(value)
    if text is not None:
        dispatcher.utter_message(response="utter_correction_noted")
    return {slot: text}


class ActionAskPhone(Action):
    """Asks whether the register's number is still right, or for a number; silent right after
    `utter_invalid_phone`, which already asked again."""

    def name(self) -> str:
        return "action_ask_phone"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("phone_invalid"):
            return [SlotSet("phone_invalid", False)]
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
        return {"caseworker_message": clean_free_text(value)}
