"""Logging that never prints a CPR number or a phone number in clear."""

from __future__ import annotations

import logging
import re

_CPR = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ]{5,14}\d(?!\d)")


def mask_personal_data(text: str) -> str:
    """Mask CPR numbers to their birth date and phone numbers to their last two digits."""
    text = _CPR.sub(lambda m: f"{m.group(1)}-xxxx", text)
    return _PHONE.sub(lambda m: "*" * (len(m.group(0)) - 2) + m.group(0)[-2:], text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:
            return True
        record.msg = mask_personal_data(message)
        record.args = None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger()
    if not any(isinstance(f, MaskingFilter) for h in root.handlers for f in h.filters):
        if not root.handlers:
            logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        for handler in root.handlers:
            handler.addFilter(MaskingFilter())
    for name in ("sanic.root", "sanic.error", "sanic.access", "sqlalchemy.engine"):
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(MaskingFilter())
