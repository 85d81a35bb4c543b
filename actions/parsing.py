"""Pure helpers: phone numbers, the backend's answers turned into response arguments, event counting."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers

# Where a number written without a country code can be from, and how people there write it:
# Greenland six digits, Denmark eight; Sweden with the trunk 0 (`070-123 45 67`), read as Swedish only
# when the conversation is in Swedish. Anything with `+` or `00` carries its own country code.
NATIONAL_REGIONS = ("GL", "DK")
SWEDISH_LANGUAGE = "sv"
ACCEPTED_REGIONS = frozenset({"GL", "DK", "SE"})
# Slot values of the yes/no mappings of `phone` (domain.yml) while the register's number is asked about.
REGISTER_PHONE_CONFIRMED = "register_phone_confirmed"
REGISTER_PHONE_DECLINED = "register_phone_declined"
FALLBACK_INTENT = "nlu_fallback"

# A run of digits with the separators people write (spaces, dashes, dots, brackets), maybe + or 00.
_CANDIDATE = re.compile(r"\+?\(?\d[\d\s\-./()]{3,20}\d")
_SEPARATORS = re.compile(r"[\s\-./()]")


@dataclass(frozen=True)
class PhoneReading:
    """What a text says about a phone number: the number (E.164), or that it looks like one whose
    country is unclear (`ambiguous`: ask for the country code rather than guess), or neither."""

    number: str | None = None
    ambiguous: bool = False

    @property
    def found(self) -> bool:
        return self.number is not None or self.ambiguous


def _valid(text: str, region: str | None) -> str | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.region_code_for_number(number) not in ACCEPTED_REGIONS:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def read_candidate(candidate: str, language: str | None = None) -> PhoneReading:
    """One number as written alone: `+`/`00` and a country code, or a national form (see above)."""
    compact = _SEPARATORS.sub("", candidate.strip())
    if compact.startswith("+") or compact.startswith("00"):
        international = "+" + compact.lstrip("+")[2:] if compact.startswith("00") else compact
        return PhoneReading(_valid(international, None))
    if not compact.isdigit():
        return PhoneReading()
    readings = {found for region in NATIONAL_REGIONS if (found := _valid(compact, region))}
    if compact.startswith("46"):  # the Swedish country code without its +
        readings |= {found for found in [_valid("+" + compact, None)] if found}
    swedish = _valid(compact, "SE") if compact.startswith("0") else None
    if swedish and language == SWEDISH_LANGUAGE:
        readings.add(swedish)
    if len(readings) == 1:
        return PhoneReading(readings.pop())
    return PhoneReading(ambiguous=len(readings) > 1 or swedish is not None)


def read_phone(text: str | None, language: str | None = None) -> PhoneReading:
    """The first number in a message such as "mit nummer er 52 12 34" (the message alone first).

    `language` is the conversation's (kl, da, sv): it decides whether `070-123 45 67` is Swedish.
    """
    if not text:
        return PhoneReading()
    whole = read_candidate(text, language)
    if whole.found:
        return whole
    for match in _CANDIDATE.finditer(text):
        reading = read_candidate(match.group(0), language)
        if reading.found:
            return reading
    return PhoneReading()


def may_be_swedish_national(text: str | None) -> bool:
    """Whether reading `text` depends on the conversation's language (a number with a trunk 0)."""
    return any(
        _SEPARATORS.sub("", match.group(0)).startswith("0")
        and not _SEPARATORS.sub("", match.group(0)).startswith("00")
        for match in _CANDIDATE.finditer(text or "")
    )


def normalise_phone(text: str, language: str | None = None) -> str | None:
    """The E.164 form of a valid Greenlandic, Danish or Swedish number written alone, or None."""
    return read_candidate(text, language).number


def extract_phone(text: str | None, language: str | None = None) -> str | None:
    """The first valid number in a message, normalised to E.164 (None when absent or ambiguous)."""
    return read_phone(text, language).number


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
