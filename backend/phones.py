"""Phone numbers: parse and normalise with `phonenumbers`.

Greenlandic (+299, six digits), Danish (+45, eight digits) and Swedish (+46) numbers are accepted,
written with spaces, dashes, dots, brackets, a leading + or the 00 international prefix. Without a
country code, six digits are Greenlandic and eight Danish; the Swedish national form with its trunk 0
(`070-123 45 67`) only when the text comes from a Swedish conversation (`language="sv"`): elsewhere
it is refused rather than guessed. The assistant reads numbers the same way (actions/parsing.py).
"""

from __future__ import annotations

import re

import phonenumbers

from backend.errors import InvalidInput

DEFAULT_REGION = "GL"
NATIONAL_REGIONS = ("GL", "DK")
ACCEPTED_REGIONS = frozenset({"GL", "DK", "SE"})
_ALLOWED = re.compile(r"^[+\d\s\-./()]{6,32}$")
_SEPARATORS = re.compile(r"[\s\-./()]")


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


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


def normalise_phone(text: str | None, language: str | None = None) -> str | None:
    """The E.164 form of a valid GL/DK/SE number, or None (also when its country is unclear)."""
    if not isinstance(text, str) or not _ALLOWED.match(text.strip()):
        return None
    compact = _SEPARATORS.sub("", text.strip())
    if compact.startswith(("+", "00")):
        return _valid("+" + compact.removeprefix("+").removeprefix("00"), None)
    if not compact.isdigit():
        return None
    readings = {found for region in NATIONAL_REGIONS if (found := _valid(compact, region))}
    if compact.startswith("46"):  # the Swedish country code without its +
        readings |= {found for found in [_valid("+" + compact, None)] if found}
    if compact.startswith("0") and language == "sv":
        readings |= {found for found in [_valid(compact, "SE")] if found}
    return readings.pop() if len(readings) == 1 else None


def require_phone(text: str | None, language: str | None = None) -> str:
    """Like normalise_phone, but raises InvalidPhone (HTTP 400) for anything invalid."""
    e164 = normalise_phone(text, language)
    if e164 is None:
        raise InvalidPhone("not a valid Greenlandic, Danish or Swedish phone number")
    return e164


def format_phone(e164: str) -> str:
    """Display form, e.g. "+299 55 12 34"."""
    return phonenumbers.format_number(
        phonenumbers.parse(e164, DEFAULT_REGION), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def mask_phone(address: str) -> str:
    """The number as `+299 55 ** 34`: the country code, the first two and the last two digits.

    For showing whose number a one-time link belongs to without printing the whole number. Anything
    that is not a possible number keeps only its last two digits."""
    try:
        possible = phonenumbers.is_possible_number(phonenumbers.parse(address, DEFAULT_REGION))
    except phonenumbers.NumberParseException:
        possible = False
    if not possible:
        digits = [i for i, char in enumerate(address) if char.isdigit()]
        return _hide(address, set(digits[:-2]))
    country, _, national = format_phone(address).partition(" ")
    digits = [i for i, char in enumerate(national) if char.isdigit()]
    return f"{country} {_hide(national, set(digits[2:-2]))}"


def _hide(text: str, positions: set[int]) -> str:
    return "".join("*" if i in positions else char for i, char in enumerate(text))
