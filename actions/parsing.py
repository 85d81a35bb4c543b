"""Pure helpers: phone numbers, the backend's answers turned into response arguments, event counting."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import phonenumbers

DEFAULT_REGION = "GL"
ACCEPTED_REGIONS = frozenset({"GL", "DK", "SE"})
# Slot values of the yes/no mappings of `phone` (domain.yml) while the register's number is asked about.
REGISTER_PHONE_CONFIRMED = "register_phone_confirmed"
REGISTER_PHONE_DECLINED = "register_phone_declined"
FALLBACK_INTENT = "nlu_fallback"

# A run of digits with the separators people write (spaces, dashes, dots, brackets), maybe + or 00.
_CANDIDATE = re.compile(r"\+?\(?\d[\d\s\-./()]{3,20}\d")


def normalise_phone(text: str) -> str | None:
    """The E.164 form of a valid Greenlandic, Danish or Swedish number written alone, or None."""
    candidate = text.strip()
    if candidate.startswith("00"):
        candidate = "+" + candidate[2:]
    try:
        number = phonenumbers.parse(candidate, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.region_code_for_number(number) not in ACCEPTED_REGIONS:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def extract_phone(text: str | None) -> str | None:
    """The first valid number in a message such as "mit nummer er 52 12 34", normalised to E.164."""
    if not text:
        return None
    whole = normalise_phone(text)
    if whole:
        return whole
    for match in _CANDIDATE.finditer(text):
        found = normalise_phone(match.group(0))
        if found:
            return found
    return None


def trailing_fallbacks(events: Iterable[Mapping[str, Any]]) -> int:
    """How many of the latest user messages in a row were not understood (`nlu_fallback`).

    Counted from the events alone, so the action stays stateless; a new session ends the count.
    """
    count = 0
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "session_started":
            break
        if kind != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent != FALLBACK_INTENT:
            break
        count += 1
    return count


def draft_arguments(display: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The `display` of a ready draft split into the arguments of the four `utter_draft_*` responses."""
    fields = {
        "utter_draft_intro": ("now_datetime", "period_month"),
        "utter_draft_tenant": ("tenant_name", "tenant_cpr_masked", "tenant_address"),
        "utter_draft_dwelling": (
            "dwelling_address",
            "rooms",
            "rent_amount",
            "landlord",
            "move_in_date",
            "tenant_number",
        ),
        "utter_draft_household": ("household_list",),
    }
    return {name: {key: display.get(key) for key in keys} for name, keys in fields.items()}


def application_arguments(application: Mapping[str, Any]) -> dict[str, Any]:
    """Reference, status and submission time of an application, as response arguments."""
    return {
        "reference": application.get("reference"),
        "status": application.get("status"),
        "submitted_datetime": application.get("submitted_at"),
    }


LANGUAGES = ("kl", "da", "sv")
_LANGUAGE_ALIASES = {
    "kalaallisut": "kl",
    "grønlandsk": "kl",
    "greenlandic": "kl",
    "dansk": "da",
    "danish": "da",
    "danska": "da",
    "svenska": "sv",
    "svensk": "sv",
    "swedish": "sv",
}


def language_code(value: Any) -> str | None:
    """`kl`, `da` or `sv` from the `language` entity (a code, or a language name as a fallback)."""
    if not isinstance(value, str):
        return None
    word = value.strip().lower()
    if word in LANGUAGES:
        return word
    return _LANGUAGE_ALIASES.get(word)
