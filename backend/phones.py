"""Phone numbers: parse and normalise with `phonenumbers` (default region Greenland).

Greenlandic (+299, six digits), Danish (+45) and Swedish (+46) numbers are accepted, written with
spaces, dashes, dots, brackets, a leading + or the 00 international prefix.
"""

from __future__ import annotations

import re

import phonenumbers

from backend.errors import InvalidInput

DEFAULT_REGION = "GL"
ACCEPTED_REGIONS = frozenset({"GL", "DK", "SE"})
_ALLOWED = re.compile(r"^[+\d\s\-./()]{6,32}$")


class InvalidPhone(InvalidInput):
    code = "invalid_phone"


def normalise_phone(text: str | None) -> str | None:
    """The E.164 form of a valid GL/DK/SE number, or None."""
    if not isinstance(text, str) or not _ALLOWED.match(text.strip()):
        return None
    try:
        number = phonenumbers.parse(text.strip(), DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if phonenumbers.region_code_for_number(number) not in ACCEPTED_REGIONS:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def require_phone(text: str | None) -> str:
    """Like normalise_phone, but raises InvalidPhone (HTTP 400) for anything invalid."""
    e164 = normalise_phone(text)
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
