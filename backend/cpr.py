"""CPR numbers: validation by format and date only, masking, birth date.

Since 2007 CPR numbers are issued without the modulus-11 check digit, so the check is not applied.
The century follows from the 7th digit and the year (the rules of the Danish CPR office).
"""

from __future__ import annotations

import re
from datetime import date

_FORMAT = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")


def _century(year: int, seventh_digit: int) -> int:
    if seventh_digit <= 3:
        return 1900
    if seventh_digit in (4, 9):
        return 2000 if year <= 36 else 1900
    return 2000 if year <= 57 else 1800  # 5, 6, 7, 8


def normalise_cpr(text: str) -> str | None:
    """The ten digits of a valid CPR number ("070886-1234" or "0708861234"), else None."""
    match = _FORMAT.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    day, month, year, serial = match.groups()
    try:
        date(_century(int(year), int(serial[0])) + int(year), int(month), int(day))
    except ValueError:
        return None
    return f"{day}{month}{year}{serial}"


def is_valid_cpr(text: str) -> bool:
    return normalise_cpr(text) is not None


def birth_date(cpr: str) -> date:
    """The birth date encoded in a valid CPR number (ValueError otherwise)."""
    digits = normalise_cpr(cpr)
    if digits is None:
        raise ValueError("not a valid CPR number")
    year = int(digits[4:6])
    return date(_century(year, int(digits[6])) + year, int(digits[2:4]), int(digits[0:2]))


def birthday(cpr: str) -> tuple[int, int]:
    """(day, month) of birth, used to route applications to caseworkers."""
    born = birth_date(cpr)
    return born.day, born.month


def mask_cpr(cpr: str) -> str:
    """Show only the birth date: "0708861234" -> "070886-xxxx"."""
    digits = cpr.replace("-", "").strip()
    return f"{digits[:6]}-xxxx"
