"""Arguments of a response formatted for the conversation's locale, chosen by the argument's name.

| name | value | shown (da) |
|---|---|---|
| `*_amount` | decimal string or number, DKK | `6.450,00 kr.` |
| `*_date` | ISO date (or date-time) | `1. marts 2019` |
| `*_datetime` | ISO date-time, UTC when naive | `3. november 2026 14.05` (America/Nuuk) |
| `*_month` | `YYYY-MM` | `november 2026` |
| `*_list` | list of texts | `Aviaja, Hans og Ivalo` |
| `status`, `decision` | `submitted`, `received`, `waiting_for_citizen`, `taken_over`, `decided`; `granted`, `refused` | localized word |
| `timeline` | list of `{"status", "at"}` (ISO date-time) | one line each: `- 3. december 2026 14.05: indsendt` (America/Nuuk) |
| `phone`, `*_phone` | a phone number, E.164 or national (Greenland) | `+299 55 12 34` |
| any boolean | `true` / `false` | `ja` / `nej` |
| numbers | | `3` |

A missing or unreadable value renders as `MISSING` and is logged by name only: values may be
personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from babel.dates import format_date, format_time, get_datetime_format
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal

from backend.models.states import ApplicationStatus, Decision
from backend.nlg.catalogs import gettext_for
from backend.nlg.locales import babel_locale
from backend.nlg.markers import N_

logger = logging.getLogger(__name__)

TIMEZONE = ZoneInfo("America/Nuuk")
CURRENCY = "DKK"
MISSING = "…"

STATUS_WORDS: dict[str, str] = {
    # NOTE: Status of an application (shown after "Status:"): the citizen has sent it.
    ApplicationStatus.SUBMITTED: N_("submitted"),
    # NOTE: Status of an application: the municipality has received it (not yet being processed).
    ApplicationStatus.RECEIVED: N_("received by the municipality"),
    # NOTE: Status of an application: a caseworker has asked the citizen for documents and waits for them.
    ApplicationStatus.WAITING_FOR_CITIZEN: N_("waiting for documents from you"),
    # NOTE: Status of an application: a caseworker has taken it over and is processing it.
    ApplicationStatus.TAKEN_OVER: N_("taken over for processing"),
    # NOTE: Status of an application: a decision has been made.
    ApplicationStatus.DECIDED: N_("decided"),
}
DECISION_WORDS: dict[str, str] = {
    # NOTE: Decision on an application (shown after "Decision:"): housing benefit is granted.
    Decision.GRANTED: N_("granted"),
    # NOTE: Decision on an application (shown after "Decision:"): housing benefit is refused.
    Decision.REFUSED: N_("refused"),
}
# NOTE: A yes/no value inside a sentence, e.g. "Dwelling information correct: yes". Lower case.
YES = N_("yes")
# NOTE: A yes/no value inside a sentence, e.g. "Dwelling information correct: no". Lower case.
NO = N_("no")


class Unformattable(ValueError):
    """The value does not fit the kind its name announces."""


def format_argument(name: str, value: Any, language: str) -> str:
    """The value of argument `name`, formatted for `language`; MISSING (logged) when absent or unreadable."""
    if value is None or value == "" or value == []:
        logger.warning("response argument %r is missing", name)
        return MISSING
    try:
        return _formatter(name, value)(value, language)
    except (Unformattable, ValueError, TypeError, InvalidOperation, ArithmeticError):
        logger.warning("response argument %r could not be formatted as its name says", name)
        return MISSING


def _formatter(name: str, value: Any) -> Callable[[Any, str], str]:
    if isinstance(value, bool):
        return format_boolean
    if name == "status":
        return lambda v, lang: _word(STATUS_WORDS, v, lang)
    if name == "decision":
        return lambda v, lang: _word(DECISION_WORDS, v, lang)
    if name == "timeline":
        return format_timeline
    for suffix, formatter in _BY_SUFFIX:
        if name == suffix.lstrip("_") or name.endswith(suffix):
            return formatter
    if isinstance(value, (int, float, Decimal)):
        return lambda v, lang: format_decimal(v, locale=babel_locale(lang))
    return lambda v, lang: str(v)


def format_boolean(value: Any, language: str) -> str:
    return gettext_for(language, YES if value else NO)


def _word(words: dict[str, str], value: Any, language: str) -> str:
    msgid = words.get(str(value))
    if msgid is None:
        raise Unformattable(value)
    return gettext_for(language, msgid)


def format_amount(value: Any, language: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise Unformattable(value)
    return format_currency(Decimal(str(value)), CURRENCY, locale=babel_locale(language))


def format_a_date(value: Any, language: str) -> str:
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        day = date.fromisoformat(str(value)[:10])
    return format_date(day, "long", locale=babel_locale(language))


def local_datetime(value: Any) -> datetime:
    """A date-time in Greenland time; naive values and ISO texts without an offset are UTC."""
    moment = (
        value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TIMEZONE)


def format_a_datetime(value: Any, language: str) -> str:
    locale = babel_locale(language)
    moment = local_datetime(value)
    pattern = get_datetime_format("long", locale=locale).replace("'", "")
    return pattern.replace("{0}", format_time(moment, "short", locale=locale)).replace(
        "{1}", format_date(moment.date(), "long", locale=locale)
    )


def format_month(value: Any, language: str) -> str:
    year, _, month = str(value).partition("-")
    if len(year) != 4 or len(month) != 2:
        raise Unformattable(value)
    return format_date(date(int(year), int(month), 1), "LLLL y", locale=babel_locale(language))


def format_a_list(value: Any, language: str) -> str:
    items = [str(item) for item in value] if isinstance(value, (list, tuple)) else [str(value)]
    return format_list(items, locale=babel_locale(language))


def format_timeline(value: Any, language: str) -> str:
    """The status changes of an application, oldest first, one line each: when (Greenland time) and
    the status word. A hyphen, not a bullet: a bullet is not GSM-7 and would make the SMS UCS-2."""
    if not isinstance(value, list) or not value:
        raise Unformattable("timeline")
    lines = []
    for event in value:
        if not isinstance(event, dict):
            raise Unformattable("timeline")
        when = format_a_datetime(event.get("at"), language)
        lines.append(f"- {when}: {_word(STATUS_WORDS, event.get('status'), language)}")
    return "\n".join(lines)


def format_phone(value: Any, language: str) -> str:
    try:
        number = phonenumbers.parse(str(value), "GL")
    except phonenumbers.NumberParseException as error:
        raise Unformattable("phone") from error
    if not phonenumbers.is_possible_number(number):
        raise Unformattable("phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# Checked in this order; `phone` alone also counts as a phone number.
_BY_SUFFIX: tuple[tuple[str, Callable[[Any, str], str]], ...] = (
    ("_amount", format_amount),
    ("_datetime", format_a_datetime),
    ("_date", format_a_date),
    ("_month", format_month),
    ("_list", format_a_list),
    ("_phone", format_phone),
)
