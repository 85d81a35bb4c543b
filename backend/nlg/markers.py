"""The extraction marker for citizen-facing source texts."""

from __future__ import annotations


def N_(msgid: str) -> str:
    """Mark an English source text for `pybabel extract`; translate it later with `translate()`."""
    return msgid
