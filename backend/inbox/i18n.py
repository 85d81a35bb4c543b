"""Texts and formatting of the caseworker's workplace (inbox pages, e-mails to caseworkers, the PDF export).

How to write a caseworker text:

- Write it in English and mark it: `_("Request documents")` where it is rendered (translated into the
  current caseworker's language), `N_("Lease")` where it is a constant (translate it when rendering:
  `_(CONSTANT)`). Arguments are `{name}` placeholders filled by keyword: `_("{count} waiting", count=3)`.
  Put a translator note on the line above as `# NOTE: …` when the context is not obvious.
- Only files under `backend/inbox/` are extracted into the caseworker catalogs (gettext domain `inbox`:
  `locales/inbox.pot` → `locales/{da,kl}/LC_MESSAGES/inbox.po`; English is the source language). The
  citizen catalogs (`messages`, kl/da/sv) never see these texts, and the inbox never uses theirs.
- After adding or changing texts: `make messages` (extracts and merges both domains), translate the new
  entries in `locales/da/LC_MESSAGES/inbox.po` and `locales/kl/LC_MESSAGES/inbox.po`;
  `tests/locales` fails while a da or kl translation is missing, fuzzy or has other placeholders.
- `current_language` holds the language of the caseworker being served (da, kl or en). The pages set it
  per request (`use_language`); code that writes to another caseworker (an e-mail) renders with
  `translate(language, msgid, ...)` or inside `with use_language(caseworker.language):`.
- Stored codes as words: `word(STATUS_WORDS, status)`, also `DECISION_WORDS`, `CHANNEL_WORDS`,
  `CITIZEN_LANGUAGE_WORDS`, `NOTIFICATION_WORDS` (add a dict here for a new kind of code).
- Pages use Det Fælles Designsystem classes (`button button-primary`/`button-secondary`, `form-group`,
  `form-label`, `form-input`, `form-select`, `table`, `alert alert-error`); every field has a `<label>`.
- Values: `format_datetime` / `format_date` (Greenland time, the caseworker's locale:
  "5. december 2026 kl. 04.31"), `format_amount` ("6.450,00 kr."), `yes_no`, `format_list`
  ("SMS, e-mail og telefon"), `format_number`. Never show `str()` of a date, bool or list.
"""

from __future__ import annotations

import gettext
import io
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time
from babel.lists import format_list as babel_format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

from backend.config import REPO_ROOT
from backend.models.states import ApplicationStatus, Decision, NotificationStatus
from backend.nlg import N_

logger = logging.getLogger(__name__)

DOMAIN = "inbox"
LOCALES_DIR = REPO_ROOT / "locales"
CASEWORKER_LANGUAGES = ("da", "kl", "en")
DEFAULT_CASEWORKER_LANGUAGE = "da"
# The languages with a catalog; English is the source text itself.
TRANSLATED_LANGUAGES = ("da", "kl")
BABEL_LOCALES = {"da": "da_DK", "kl": "kl_GL", "en": "en_GB"}
# Each language's name in that language, for the language switch (never translated).
LANGUAGE_NAMES = {"da": "Dansk", "kl": "Kalaallisut", "en": "English"}
TIMEZONE = ZoneInfo("America/Nuuk")
CURRENCY = "DKK"

current_language: ContextVar[str] = ContextVar("caseworker_language", default=DEFAULT_CASEWORKER_LANGUAGE)

# NOTE: A date and a clock time together, e.g. "5 December 2026 at 04:31" (Danish: "kl.").
DATETIME_PATTERN = N_("{date} at {time}")
# NOTE: A yes/no value in a table or after a label, e.g. "Dwelling confirmed: yes".
YES = N_("yes")
# NOTE: A yes/no value in a table or after a label, e.g. "Dwelling confirmed: no".
NO = N_("no")


# Stored codes shown to caseworkers as words: `word(STATUS_WORDS, application.status)`.
STATUS_WORDS = {
    # NOTE: Status of an application: the citizen has sent it.
    ApplicationStatus.SUBMITTED: N_("submitted"),
    # NOTE: Status of an application: a caseworker has opened it (received by the municipality).
    ApplicationStatus.RECEIVED: N_("received"),
    # NOTE: Status of an application: documents were requested; waiting for the citizen.
    ApplicationStatus.WAITING_FOR_CITIZEN: N_("waiting for the citizen"),
    # NOTE: Status of an application: taken over into the case system.
    ApplicationStatus.TAKEN_OVER: N_("taken over"),
    # NOTE: Status of an application: a decision has been made.
    ApplicationStatus.DECIDED: N_("decided"),
}
DECISION_WORDS = {
    # NOTE: A decision on housing benefit: granted.
    Decision.GRANTED: N_("granted"),
    # NOTE: A decision on housing benefit: refused.
    Decision.REFUSED: N_("refused"),
}
CHANNEL_WORDS = {
    # NOTE: A channel the citizen used or is notified on: the chat on the web page.
    "web": N_("web chat"),
    # NOTE: A channel the citizen used or is notified on: text message.
    "sms": N_("SMS"),
    # NOTE: A channel: the Telegram messenger app (a name, usually not translated).
    "telegram": N_("Telegram"),
    # NOTE: A channel the citizen is notified on: e-mail.
    "email": N_("e-mail"),
    # NOTE: A channel the citizen is notified on: the e-Boks digital mailbox (a name).
    "eboks": N_("e-Boks"),
    # NOTE: A channel: a phone call.
    "phone": N_("phone"),
}
# The citizen's language, named in the caseworker's language.
CITIZEN_LANGUAGE_WORDS = {
    # NOTE: The citizen's language: Greenlandic.
    "kl": N_("Greenlandic"),
    # NOTE: The citizen's language: Danish.
    "da": N_("Danish"),
    # NOTE: The citizen's language: Swedish.
    "sv": N_("Swedish"),
    # NOTE: The citizen's language: English.
    "en": N_("English"),
}
NOTIFICATION_WORDS = {
    # NOTE: How a notification to the citizen went: waiting to be sent.
    NotificationStatus.QUEUED: N_("queued"),
    # NOTE: How a notification to the citizen went: sent.
    NotificationStatus.SENT: N_("sent"),
    # NOTE: How a notification to the citizen went: delivered.
    NotificationStatus.DELIVERED: N_("delivered"),
    # NOTE: How a notification to the citizen went: it failed.
    NotificationStatus.FAILED: N_("failed"),
    # NOTE: How a notification to the citizen went: not received, so the next channel was tried.
    NotificationStatus.FALLEN_BACK: N_("not received, next channel tried"),
    # NOTE: How a notification to the citizen went: the citizen has no address on any channel.
    NotificationStatus.NO_CHANNEL: N_("no channel"),
    # NOTE: How a notification to the citizen went: unknown.
    NotificationStatus.UNKNOWN: N_("unknown"),
}

SENDER_WORDS = {
    # NOTE: Who wrote a message: the citizen.
    "citizen": N_("citizen"),
    # NOTE: Who wrote a message: the automatic assistant (the chatbot).
    "bot": N_("assistant"),
    # NOTE: Who wrote a message: a caseworker.
    "caseworker": N_("caseworker"),
}


def word(words: dict[str, str], code: object) -> str:
    """The caseworker's word for a stored code (`STATUS_WORDS`, …); the code itself when unknown."""
    if code is None or code == "":
        return ""
    msgid = words.get(str(code))
    return _(msgid) if msgid is not None else str(code)


def language_or_default(language: str | None) -> str:
    """`language` if the inbox offers it, otherwise the default (Danish)."""
    return language if language in CASEWORKER_LANGUAGES else DEFAULT_CASEWORKER_LANGUAGE


def _load(language: str, locales_dir: Path) -> gettext.NullTranslations:
    po = locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.exists():
        logger.error("no caseworker catalog for %r under %s: showing English", language, locales_dir)
        return gettext.NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


@cache
def _translations(language: str) -> gettext.NullTranslations:
    if language not in TRANSLATED_LANGUAGES:
        return gettext.NullTranslations()
    return _load(language, LOCALES_DIR)


def translate(language: str, msgid: str, **arguments: Any) -> str:
    """`msgid` in `language` (da, kl or en), with `{name}` arguments filled in."""
    text = _translations(language_or_default(language)).gettext(msgid)
    return text.format(**arguments) if arguments else text


def _(msgid: str, **arguments: Any) -> str:
    """The text in the current caseworker's language, with `{name}` arguments filled in."""
    return translate(current_language.get(), msgid, **arguments)


@contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Render in `language` (the default for an unknown one) inside the block."""
    token = current_language.set(language_or_default(language))
    try:
        yield current_language.get()
    finally:
        current_language.reset(token)


def locale() -> Locale:
    return Locale.parse(BABEL_LOCALES[language_or_default(current_language.get())])


def local_datetime(value: datetime | str) -> datetime:
    """A moment in Greenland time; naive values and ISO texts without an offset are UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(TIMEZONE)


def format_datetime(value: datetime | str | None) -> str:
    """ "5. december 2026 kl. 04.31": Greenland time, the current caseworker's locale; "" for None."""
    if value is None or value == "":
        return ""
    moment = local_datetime(value)
    return _(
        DATETIME_PATTERN,
        date=babel_format_date(moment.date(), "long", locale=locale()),
        time=babel_format_time(moment, "short", locale=locale()),
    )


def format_date(value: date | datetime | str | None) -> str:
    """ "5. december 2026" (a date-time is first put into Greenland time); "" for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) or (isinstance(value, str) and len(value) > 10):
        day = local_datetime(value).date()
    elif isinstance(value, date):
        day = value
    else:
        day = date.fromisoformat(value)
    return babel_format_date(day, "long", locale=locale())


def format_amount(value: Decimal | int | float | str | None) -> str:
    """An amount in Danish kroner, "6.450,00 kr."; "" for None."""
    if value is None or value == "":
        return ""
    return format_currency(Decimal(str(value)), CURRENCY, locale=locale())


def format_number(value: int | float | Decimal) -> str:
    return format_decimal(value, locale=locale())


def yes_no(value: object) -> str:
    return _(YES if value else NO)


def format_list(items: Iterable[object]) -> str:
    """ "SMS, e-mail og telefon"; empty items are left out."""
    words = [str(item) for item in items if item not in (None, "")]
    return babel_format_list(words, locale=locale()) if words else ""


__all__ = [
    "CASEWORKER_LANGUAGES",
    "CHANNEL_WORDS",
    "CITIZEN_LANGUAGE_WORDS",
    "DECISION_WORDS",
    "DEFAULT_CASEWORKER_LANGUAGE",
    "LANGUAGE_NAMES",
    "NOTIFICATION_WORDS",
    "N_",
    "SENDER_WORDS",
    "STATUS_WORDS",
    "_",
    "current_language",
    "format_amount",
    "format_date",
    "format_datetime",
    "format_list",
    "format_number",
    "translate",
    "use_language",
    "word",
    "yes_no",
]
