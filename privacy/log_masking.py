"""No personal data in a log line: CPR numbers, phone numbers and e-mail addresses are masked.

`install()` masks every log record of the process when the record is created: the message with its
arguments, the exception text with its traceback (chained exceptions included) and the stack. This
happens before any formatter runs, so what formatters add (times such as `2026-12-05 07:32:54,123`,
levels, logger names) is never touched, and handlers installed later are covered as well (Sanic's,
Rasa's coloredlogs, structlog rendering into the standard library). The record keeps only the masked
text of its exception (`exc_text`; `exc_info` is cleared), so no formatter can render the original.
`MaskingFilter` also masks `extra` fields, which logging sets after a record is created (Sanic's
access log `%(request)s`). Uncaught exceptions printed by `sys.excepthook` and `threading.excepthook`,
and the report of a handler that fails (`logging.Handler.handleError`), are masked too.

What `mask_personal_data` masks:
- e-mail addresses: the local part (`***@example.gl`);
- CPR numbers, `ddmmyy-ssss` or ten digits whose first four are a day and a month: `xxxxxx-xxxx`;
- phone numbers: 6 to 15 digits, maybe after `+` or `(+`, in groups joined by one space, dash, dot
  or bracket; every digit but the last two becomes `*` (`+*** ** ** 34`). That covers `551234`,
  `55 12 34`, `+299551234`, `+299 55 12 34`, `20 12 34 56`, `+4520123456`, `070-123 45 67`,
  `0701234567`, `+46 (0)70 123 45 67`, and `%2B299551234` (a URL-encoded plus).

Accepted over-masking: any other free-standing number of 6 to 15 digits (counts, byte sizes,
six-digit process ids, integer epoch seconds, IPv4 addresses with long groups, digit runs inside
hexadecimal ids other than UUIDs, tenant numbers such as `INI-104233`), a run of numbers joined by
single spaces or dashes adding up to more than 15 digits, and user names in URLs
(`postgresql://***@host`). Left alone: UUIDs and ids of 32 hexadecimal digits (conversation, message
and draft ids), dates (`2026-12-05`, `05.12.2026`, `2026-12`), times (`07:32:54,123`), decimals (`6450.00`,
`1733383974.25`, `0.98112231`), a single run of more than 15 digits (provider ids), numbers of up to
five digits.

Standard library only, Python 3.10 compatible: the backend, Rasa and the action server import it.
"""

from __future__ import annotations

import logging
import re
import sys
import threading
import traceback
from typing import Any

_EMAIL = re.compile(r"[\w.%+\\-]+@(?=[\w-]+(?:\.[\w-]+)+)")
_CPR = re.compile(r"(?<!\d)(?<!\d\.)(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}-?\d{4}(?!\d)")
# Numbers start after anything but a digit or the decimal point of a number ("0.981122").
# A group of digits ends where the digits end and is not the hour of a time ("07:32").
_GROUP = r"\d+(?!\d|:\d)"
# A dot joins groups of two digits or more ("55.12.34"), not the parts of "0.25".
_SEPARATOR = r"(?:[ \u00a0\-]|(?<=\d\d)\.(?=\d\d)|\)[ \u00a0]?|[ \u00a0]?\()"
_PHONE = re.compile(rf"(?<!\d)(?<!\d\.)(?:\(?\+)?{_GROUP}(?:{_SEPARATOR}{_GROUP})*")
_DIGITS = re.compile(r"\d+")
_DATE = re.compile(r"\d{4}([-.])\d{2}\1\d{2}|\d{2}([-.])\d{2}\2\d{4}|\d{4}-(?:0[1-9]|1[0-2])")
# Identifiers the logs are read by (conversation, message and draft ids): UUIDs and 32 hex digits.
_IDENTIFIER = re.compile(
    r"(?<![0-9A-Za-z])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32})(?![0-9A-Za-z@])"
)
_DECIMAL = re.compile(r"\d+\.\d+")
MIN_PHONE_DIGITS, MAX_PHONE_DIGITS = 6, 15


def mask_personal_data(text: str) -> str:
    """The text with e-mail addresses, CPR numbers and phone numbers masked (idempotent)."""
    parts, start = [], 0
    for identifier in _IDENTIFIER.finditer(text):
        parts += [_mask(text[start : identifier.start()]), identifier.group(0)]
        start = identifier.end()
    return "".join([*parts, _mask(text[start:])])


def _mask(text: str) -> str:
    text = _EMAIL.sub("***@", text)
    text = _CPR.sub("xxxxxx-xxxx", text)
    return _PHONE.sub(_mask_phone, text)


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    groups = _DIGITS.findall(text)
    digits = sum(len(group) for group in groups)
    if digits < MIN_PHONE_DIGITS:
        return text
    if len(groups) == 1 and digits > MAX_PHONE_DIGITS:
        return text  # one long run: an identifier, not a phone number
    if _DATE.fullmatch(text) or _DECIMAL.fullmatch(text):
        return text
    kept = 0
    masked = []
    for char in reversed(text):
        if char.isdigit():
            kept += 1
            masked.append(char if kept <= 2 else "*")
        else:
            masked.append(char)
    return "".join(reversed(masked))


_TRACEBACKS = logging.Formatter()
# Attributes every record has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
}


def mask_record(record: logging.LogRecord) -> None:
    """Mask the record's message, exception text and stack in place (idempotent)."""
    try:
        message = record.getMessage()
    except Exception:  # a format string that does not fit its arguments
        message = f"{record.msg} (arguments: {record.args!r})"
    record.msg = mask_personal_data(message)
    record.args = None
    if record.exc_info:
        if not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        record.exc_info = None
    if record.exc_text:
        record.exc_text = mask_personal_data(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_personal_data(record.stack_info)


class MaskingFilter(logging.Filter):
    """For handlers: masks the record as `install()` does, and its `extra` text fields as well."""

    def filter(self, record: logging.LogRecord) -> bool:
        mask_record(record)
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRIBUTES and isinstance(value, str):
                setattr(record, key, mask_personal_data(value))
        return True


def add_filter(handler: logging.Handler) -> None:
    """Give a handler the masking filter once."""
    if not any(isinstance(existing, MaskingFilter) for existing in handler.filters):
        handler.addFilter(MaskingFilter())


def install() -> None:
    """Mask every log record of this process from now on, and uncaught exceptions (idempotent)."""
    previous = logging.getLogRecordFactory()
    if not getattr(previous, "masks_personal_data", False):

        def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            mask_record(record)
            return record

        masking_factory.masks_personal_data = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(masking_factory)
    if not getattr(sys.excepthook, "masks_personal_data", False):
        sys.excepthook = _print_masked_exception
    if not getattr(threading.excepthook, "masks_personal_data", False):
        threading.excepthook = _print_masked_thread_exception
    if not getattr(logging.Handler.handleError, "masks_personal_data", False):
        logging.Handler.handleError = _report_logging_error  # type: ignore[method-assign]


def _print_masked_exception(kind: Any, error: Any, trace: Any) -> None:
    text = "".join(traceback.format_exception(kind, error, trace))
    sys.stderr.write(mask_personal_data(text))


def _print_masked_thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "unknown"
    text = "".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback))
    sys.stderr.write(mask_personal_data(f"Exception in thread {name}:\n{text}"))


def _report_logging_error(self: logging.Handler, record: logging.LogRecord) -> None:
    """`logging.Handler.handleError`, masked: a handler that fails while an exception is being handled
    prints that exception too (as the context of its own error)."""
    if not (logging.raiseExceptions and sys.stderr):
        return
    text = "".join(traceback.format_exception(*sys.exc_info()))
    message = f"--- Logging error ---\n{text}Message: {record.msg!r}\nArguments: {record.args!r}\n"
    try:
        sys.stderr.write(mask_personal_data(message))
    except OSError:  # stderr is gone; nothing left to tell
        pass


_report_logging_error.masks_personal_data = True  # type: ignore[attr-defined]
_print_masked_exception.masks_personal_data = True  # type: ignore[attr-defined]
_print_masked_thread_exception.masks_personal_data = True  # type: ignore[attr-defined]
