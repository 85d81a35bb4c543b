"""Texts of the caseworker's workplace (inbox pages, e-mails to caseworkers, the PDF export).

Caseworker texts are English msgids, marked with `_()` where rendered for the current caseworker
and `N_()` where defined as constants. `current_language` holds the caseworker's language
(da, kl or en) for the request being served.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from backend.nlg import N_

CASEWORKER_LANGUAGES = ("da", "kl", "en")
DEFAULT_CASEWORKER_LANGUAGE = "da"

current_language: ContextVar[str] = ContextVar("caseworker_language", default=DEFAULT_CASEWORKER_LANGUAGE)


def _(msgid: str, **arguments: Any) -> str:
    """The text in the current caseworker's language, with `{name}` arguments filled in."""
    # Placeholder until the caseworker catalogs exist: the English source text.
    return msgid.format(**arguments) if arguments else msgid


__all__ = ["CASEWORKER_LANGUAGES", "DEFAULT_CASEWORKER_LANGUAGE", "N_", "_", "current_language"]
