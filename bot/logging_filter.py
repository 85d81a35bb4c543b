"""Rasa's logs never show a CPR number or a phone number in clear.

Rasa logs user texts, slot values and whole trackers at debug level (through the standard library
and through structlog, which renders into standard-library records). Masking every record when it is
created covers all of them, whatever handlers Rasa or Sanic install later.
"""

from __future__ import annotations

import logging
import re
from typing import Any

_CPR = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ]{5,14}\d(?!\d)")


def mask_personal_data(text: str) -> str:
    """CPR numbers keep their birth date (`070886-xxxx`); phone numbers keep their last two digits."""
    text = _CPR.sub(lambda m: f"{m.group(1)}-xxxx", text)
    return _PHONE.sub(lambda m: "*" * (len(m.group(0)) - 2) + m.group(0)[-2:], text)


class MaskingFilter(logging.Filter):
    """For handlers configured from a file (bot/logging.yml)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _mask_record(record)
        return True


def _mask_record(record: logging.LogRecord) -> None:
    if getattr(record, "_inissiaq_masked", False):
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string is logging's problem, not ours
        return
    record.msg = mask_personal_data(message)
    record.args = None
    record._inissiaq_masked = True


def install() -> None:
    """Mask every log record from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "_inissiaq_masking", False):
        return

    def masking_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _mask_record(record)
        return record

    masking_factory._inissiaq_masking = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(masking_factory)
