"""Texts and formatting of the caseworker's workplace (inbox pages, e-mails to caseworkers, the PDF export).

How to write a caseworker text:

- Write it in English and mark it: `_("Request documents")` where it is rendered (translated into the
  current caseworker's language), `N_("Lease")` where it is a constant (translate it when rendering:
  `_(CONSTANT)`). Arguments are `{name}` placeholders filled by keyword: `_("{count} waiting", count=3)`.
  Put a translator note on the line above as `# NOTE: …` when the context is not obvious.
- A text with a count has plural forms: `ngettext("{count} page", "{count} pages", n)` (`{count}` is `n`
  in the caseworker's locale); never `_("{count} pages")`, which reads "1 pages".
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
  `CITIZEN_LANGUAGE_WORDS`, `NOTIFICATION_WORDS`, `SECTION_WORDS`, `CONTENT_TYPE_WORDS`; an audit
  action with `action_words(code)`, who did it with `actor_words(actor, names)` (add a dict here for a
  new kind of code, and a word for a new audit action).
- Pages use Det Fælles Designsystem classes (`button button-primary`/`button-secondary`, `form-group`,
  `form-label`, `form-input`, `form-select`, `table`, `alert alert-error`); every field has a `<label>`.
- Values: `format_datetime` / `format_date` (Greenland time, the caseworker's locale:
  "5. december 2026 kl. 04.31"), `format_amount` ("6.450,00 kr."), `yes_no`, `format_list`
  ("SMS, e-mail og telefon"), `format_number`, `format_period` ("december 2026"), `or_not_given`.
  Never show `str()` of a date, bool, list or None.
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


# The sections of the draft a citizen corrected (`applications/corrections.py`).
SECTION_WORDS = {
    # NOTE: The part of the application a citizen's correction is about: the dwelling.
    "dwelling": N_("dwelling"),
    # NOTE: The part of the application a citizen's correction is about: the household.
    "household": N_("household"),
}
# The kinds of document a citizen can send (`documents/checks.py`); `word_or` falls back to "file".
CONTENT_TYPE_WORDS = {
    # NOTE: The kind of a document the citizen sent: a PDF file.
    "application/pdf": N_("PDF"),
    # NOTE: The kind of a document the citizen sent: a photo or image in JPEG format.
    "image/jpeg": N_("JPEG image"),
    # NOTE: The kind of a document the citizen sent: an image in PNG format.
    "image/png": N_("PNG image"),
}
# NOTE: The kind of a document the citizen sent, when it is none of the known ones.
FILE = N_("file")
# NOTE: An empty field in the exported PDF, e.g. "Landlord: not given".
NOT_GIVEN = N_("not given")

# What happened, by audit action (`backend/audit.py`): the application page's history, the audit log.
ACTION_WORDS = {
    # NOTE: An event in an application's history (and the audit log), "what happened".
    "application_submitted": N_("application submitted"),
    # NOTE: An event in the history: the application was given to a caseworker or the shared queue.
    "application_routed": N_("application routed"),
    # NOTE: An event in the history: a caseworker or the case system opened the application.
    "application_viewed": N_("application opened"),
    # NOTE: An event in the history: the application was shown in a list.
    "application_listed": N_("application listed"),
    # NOTE: An event in the history: the application was assigned to a caseworker.
    "application_assigned": N_("application assigned"),
    # NOTE: An event in the history: the status became "received".
    "application_received": N_("marked as received"),
    # NOTE: An event in the history: the status became "waiting for the citizen".
    "application_waiting_for_citizen": N_("status changed to waiting for the citizen"),
    # NOTE: An event in the history: taken over into the case system.
    "application_taken_over": N_("taken over into the case system"),
    # NOTE: An event in the history: a decision was recorded.
    "application_decided": N_("decision recorded"),
    # NOTE: An event in the history: the application was exported (JSON or PDF).
    "application_exported": N_("application exported"),
    # NOTE: An event in the history: the case system fetched the application from its feed.
    "application_feed_listed": N_("fetched by the case system"),
    # NOTE: An event in the history: a caseworker sent the citizen a secure message.
    "message_sent": N_("secure message sent"),
    # NOTE: An event in the history: the citizen wrote a message.
    "message_received": N_("message from the citizen received"),
    # NOTE: An event in the history: a secure message was journaled.
    "message_journaled": N_("message journaled"),
    # NOTE: An event in the history: the messages with the citizen were shown in a list.
    "thread_listed": N_("message thread listed"),
    # NOTE: An event in the history: a letter was written from a template.
    "letter_composed": N_("letter written from a template"),
    # NOTE: An event in the history: a letter was sent to the citizen.
    "letter_sent": N_("letter sent"),
    # NOTE: An event in the history: a caseworker wrote a journal note.
    "journal_note_added": N_("journal note written"),
    # NOTE: An event in the history or audit log: journal notes were read.
    "journal_notes_read": N_("journal notes read"),
    # NOTE: An event in the history: a follow-up reminder was set.
    "task_created": N_("reminder set"),
    # NOTE: An event in the history: a follow-up reminder was marked as done.
    "task_completed": N_("reminder marked as done"),
    # NOTE: An event in the audit log: a caseworker's list of reminders was shown.
    "tasks_listed": N_("reminders listed"),
    # NOTE: An event in the history: a caseworker asked the citizen for documents.
    "documents_requested": N_("documents requested"),
    # NOTE: An event in the history: the citizen sent a document.
    "document_received": N_("document received from the citizen"),
    # NOTE: An event in the history: a caseworker downloaded a document.
    "document_downloaded": N_("document downloaded"),
    # NOTE: An event in the history: a caseworker looked at a document's preview.
    "document_previewed": N_("document previewed"),
    # NOTE: An event in the audit log: a caseworker searched.
    "applications_searched": N_("search"),
    # NOTE: An event in the audit log: a person was shown in a search result.
    "search_result_shown": N_("search result shown"),
    # NOTE: An event in the audit log: an administrator read the audit log.
    "audit_read": N_("audit log read"),
    # NOTE: An event in the audit log: its oldest entries were deleted after the retention time.
    "audit_log_purged": N_("oldest audit entries deleted"),
    # NOTE: An event in the audit log: old applications and messages were deleted after the retention time.
    "history_purged": N_("old history deleted"),
    # NOTE: An event in the audit log: an administrator added a canned text.
    "canned_text_created": N_("canned text added"),
    # NOTE: An event in the audit log: an administrator removed a canned text.
    "canned_text_deleted": N_("canned text removed"),
    # NOTE: An event in the audit log: an administrator created a caseworker.
    "caseworker_created": N_("caseworker created"),
    # NOTE: An event in the audit log: an administrator changed a caseworker.
    "caseworker_updated": N_("caseworker changed"),
    # NOTE: An event in the audit log.
    "caseworker_login": N_("caseworker logged in"),
    # NOTE: An event in the audit log: wrong password or code.
    "caseworker_login_failed": N_("failed caseworker login"),
    # NOTE: An event in the audit log: a login refused after too many failed ones.
    "caseworker_login_locked_out": N_("caseworker login blocked after too many attempts"),
    # NOTE: An event in the audit log.
    "caseworker_logout": N_("caseworker logged out"),
    # NOTE: An event in the audit log: a phone number or Telegram chat was linked to the citizen.
    "channel_bound": N_("phone or chat linked to the citizen"),
    # NOTE: An event in the audit log: a phone number or Telegram chat was unlinked.
    "channel_unbound": N_("phone or chat unlinked"),
    # NOTE: An event in the audit log: the citizen logged in with eID.
    "citizen_login": N_("citizen logged in"),
    # NOTE: An event in the audit log.
    "citizen_login_failed": N_("failed citizen login"),
    # NOTE: An event in the audit log.
    "citizen_logout": N_("citizen logged out"),
    # NOTE: An event in the audit log: the citizen's session ended because it was not used.
    "citizen_session_idle_ended": N_("citizen's session ended after inactivity"),
    # NOTE: An event in the audit log: the citizen left a message for a caseworker outside opening hours.
    "citizen_message_left": N_("citizen left a message"),
    # NOTE: An event in the audit log: the citizen's notification channels were changed.
    "contact_changed": N_("contact choices changed"),
    # NOTE: An event in the audit log: a caseworker handed a live conversation back to the assistant.
    "conversation_closed": N_("live conversation handed back"),
    # NOTE: An event in the audit log: a caseworker took a live conversation.
    "conversation_taken": N_("live conversation taken"),
    # NOTE: An event in the audit log: a caseworker looked at a live conversation.
    "conversation_viewed": N_("live conversation viewed"),
    # NOTE: An event in the audit log: a caseworker wrote in a live conversation.
    "conversation_written": N_("caseworker wrote in a live conversation"),
    # NOTE: An event in the audit log: the demonstration registers were filled.
    "demo_registers_seeded": N_("demo registers filled"),
    # NOTE: An event in the audit log: the daily e-mail to caseworkers was sent.
    "digest_run": N_("daily digest sent"),
    # NOTE: An event in the audit log: the citizen answered a question of an application not yet sent.
    "draft_answered": N_("draft answered"),
    # NOTE: An event in the audit log: the citizen went on with an application not yet sent.
    "draft_continued": N_("draft continued"),
    # NOTE: An event in the audit log: an application not yet sent was thrown away.
    "draft_discarded": N_("draft discarded"),
    # NOTE: An event in the audit log: applications not yet sent were listed.
    "draft_listed": N_("drafts listed"),
    # NOTE: An event in the audit log: the citizen was offered to go on with an unsent application.
    "draft_offered": N_("draft offered"),
    # NOTE: An event in the audit log: an application was prepared from the registers.
    "draft_prepared": N_("draft prepared"),
    # NOTE: An event in the audit log: the citizen asked to talk to a caseworker.
    "handoff_requested": N_("citizen asked for a caseworker"),
    # NOTE: An event in the audit log: an administrator created a letter template.
    "letter_template_created": N_("letter template created"),
    # NOTE: An event in the audit log: an administrator changed a letter template.
    "letter_template_updated": N_("letter template changed"),
    # NOTE: An event in the audit log: an administrator deleted a letter template.
    "letter_template_deleted": N_("letter template deleted"),
    # NOTE: An event in the audit log: access for a case system (machine client) was created.
    "machine_client_created": N_("case system access created"),
    # NOTE: An event in the audit log: a case system's access was revoked.
    "machine_client_revoked": N_("case system access revoked"),
    # NOTE: An event in the audit log: a case system's secret was replaced by a new one.
    "machine_client_rotated": N_("case system secret renewed"),
    # NOTE: An event in the audit log: the address inissiaq notifies a case system at was set.
    "machine_client_webhook_set": N_("case system notification address set"),
    # NOTE: An event in the audit log: a case system asked for data.
    "machine_request": N_("case system request"),
    # NOTE: An event in the audit log: a case system's request was refused.
    "machine_request_refused": N_("case system request refused"),
    # NOTE: An event in the audit log: a case system got an access token.
    "machine_token_issued": N_("case system token issued"),
    # NOTE: An event in the audit log: a case system was refused an access token.
    "machine_token_refused": N_("case system token refused"),
    # NOTE: An event in the audit log: the citizen read caseworkers' messages.
    "messages_read": N_("citizen read messages"),
    # NOTE: An event in the audit log: a caseworker looked at the messages with a citizen.
    "messages_viewed": N_("messages viewed"),
    # NOTE: An event in the audit log: everything held about a person was exported.
    "person_exported": N_("everything about a person exported"),
    # NOTE: An event in the audit log: an export of everything about a person was refused (the one who
    # asked is not an active administrator).
    "person_export_refused": N_("export about a person refused"),
    # NOTE: An event in the audit log: an administrator added a routing rule.
    "routing_rule_created": N_("routing rule added"),
    # NOTE: An event in the audit log: an administrator removed a routing rule.
    "routing_rule_deleted": N_("routing rule removed"),
}
# NOTE: An event in an application's history (or the audit log) of a kind without a word of its own.
OTHER_ACTION = N_("other activity")


def word(words: dict[str, str], code: object) -> str:
    """The caseworker's word for a stored code (`STATUS_WORDS`, …); the code itself when unknown."""
    if code is None or code == "":
        return ""
    msgid = words.get(str(code))
    return _(msgid) if msgid is not None else str(code)


def word_or(words: dict[str, str], code: object, fallback: str) -> str:
    """Like `word`, but an unknown or empty code reads as `fallback` (a msgid), never as the code."""
    msgid = words.get(str(code)) if code not in (None, "") else None
    return _(msgid if msgid is not None else fallback)


def action_words(action: str) -> str:
    """What an audit action did, in words; "other activity" for an action without a word."""
    return word_or(ACTION_WORDS, action, OTHER_ACTION)


def actor_words(actor: str | None, caseworkers: dict[int, str]) -> str:
    """Who did something (an audit or status actor such as "caseworker:3", "client:acme", "citizen"),
    in words: the caseworker's name from `caseworkers` (id → name), the case system's name, "the
    citizen", "the system"; never the stored code."""
    kind, _sep, ident = (actor or "").partition(":")
    if kind == "caseworker":
        if ident.isdigit() and int(ident) in caseworkers:
            return caseworkers[int(ident)]
        # NOTE: Who did something: a caseworker whose name is not known (or not stored).
        return _("a caseworker")
    if kind == "client" and ident:
        # NOTE: Who did something: a case system (machine client), by its name.
        return _("the case system {name}", name=ident)
    if actor == "citizen":
        # NOTE: Who did something: the citizen (they submitted, wrote or sent documents).
        return _("the citizen")
    if actor == "system":
        # NOTE: Who did something: inissiaq itself (routing, the daily jobs).
        return _("the system")
    if actor == "cli":
        # NOTE: Who did something: an administrator using the `inissiaq` command on the server.
        return _("an administrator on the command line")
    if actor == "anonymous":
        # NOTE: Who did something: someone not logged in (a failed login attempt).
        return _("someone not logged in")
    # NOTE: Who did something, when it is not known.
    return _("unknown")


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


def translate_plural(language: str, singular: str, plural: str, n: int, **arguments: Any) -> str:
    """The form of `singular`/`plural` for `n` in `language` (its .po header's plural rule), with `{count}`
    as `n` written in that language's locale (unless given) and the other `{name}` arguments filled in."""
    language = language_or_default(language)
    text = _translations(language).ngettext(singular, plural, n)
    count = format_decimal(n, locale=Locale.parse(BABEL_LOCALES[language]))
    return text.format(**{"count": count, **arguments})


def ngettext(singular: str, plural: str, n: int, **arguments: Any) -> str:
    """`translate_plural` in the current caseworker's language: `ngettext("{count} page", "{count} pages", n)`."""
    return translate_plural(current_language.get(), singular, plural, n, **arguments)


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


def format_period(period: str | None) -> str:
    """An application period "2026-12" as "december 2026" (the month's stand-alone name in the
    caseworker's locale); "" for None, and a text that is not a period as it is."""
    if not period:
        return ""
    try:
        month = date.fromisoformat(f"{period}-01")
    except ValueError:
        return period
    return babel_format_date(month, "LLLL y", locale=locale())


def or_not_given(value: object) -> object:
    """`value`, or "not given" in the caseworker's language when it is None or empty."""
    return _(NOT_GIVEN) if value is None or value == "" or value == [] else value


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
    "ACTION_WORDS",
    "CASEWORKER_LANGUAGES",
    "CHANNEL_WORDS",
    "CITIZEN_LANGUAGE_WORDS",
    "CONTENT_TYPE_WORDS",
    "DECISION_WORDS",
    "DEFAULT_CASEWORKER_LANGUAGE",
    "LANGUAGE_NAMES",
    "NOTIFICATION_WORDS",
    "N_",
    "SECTION_WORDS",
    "SENDER_WORDS",
    "STATUS_WORDS",
    "_",
    "action_words",
    "actor_words",
    "current_language",
    "format_amount",
    "format_date",
    "format_datetime",
    "format_list",
    "format_number",
    "format_period",
    "ngettext",
    "or_not_given",
    "translate",
    "translate_plural",
    "use_language",
    "word",
    "word_or",
    "yes_no",
]
