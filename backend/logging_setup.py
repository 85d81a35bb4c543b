"""Logging that never prints a CPR number, a phone number or an e-mail address in clear.

The masking itself is `privacy.log_masking` (shared with Rasa and the action server): every record is
masked when it is created (message, exception text and traceback, stack), and the handlers of the
root logger and of Sanic's loggers also mask `extra` fields (Sanic's access line).
"""

from __future__ import annotations

import logging

from privacy import log_masking

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SANIC_LOGGERS = ("sanic.root", "sanic.error", "sanic.access", "sanic.server", "sanic.websockets")


def configure_logging(level: str | int = logging.INFO) -> None:
    """Idempotent; call after the Sanic app exists (its constructor replaces Sanic's handlers)."""
    log_masking.install()
    root = logging.getLogger()
    if not root.handlers:  # a test runner's handlers and levels stay as they are
        logging.basicConfig(level=level, format=FORMAT)
        if logging.getLogger().getEffectiveLevel() <= logging.DEBUG:
            # SQLAlchemy keeps its loggers at WARNING; at DEBUG show the statements (their parameters
            # are hidden by every engine, backend.db.create_engine), not the rows
            logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
            # boto3's DEBUG lines are whole S3 requests (the documents' ciphertext, signed headers)
            logging.getLogger("botocore").setLevel(logging.INFO)
    for name in ("", *SANIC_LOGGERS):
        for handler in logging.getLogger(name).handlers:
            log_masking.add_filter(handler)
