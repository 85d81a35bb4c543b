"""The citizen's corrections to the draft: free text per section, cleaned and length-limited.

The text is data only: stored as given (minus control characters), escaped wherever it is shown.
"""

from __future__ import annotations

import re
from typing import Any

from backend.errors import InvalidInput

SECTIONS = ("dwelling", "household")
MAX_TEXT_CHARS = 2000
MAX_CORRECTIONS = 20
# C0/C1 control characters except newline, and the bidirectional overrides that can disguise text.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")).strip()


def clean_corrections(raw: Any) -> list[dict[str, str]]:
    """Validate [{"section", "text"}, ...]; raises InvalidInput with a clear message otherwise."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InvalidInput("corrections must be a list")
    if len(raw) > MAX_CORRECTIONS:
        raise InvalidInput(f"at most {MAX_CORRECTIONS} corrections")
    cleaned = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"section", "text"}:
            raise InvalidInput('each correction must be {"section", "text"}')
        section, text = item["section"], item["text"]
        if section not in SECTIONS:
            raise InvalidInput(f"correction section must be one of {', '.join(SECTIONS)}")
        if not isinstance(text, str):
            raise InvalidInput("correction text must be a string")
        text = clean_text(text)
        if not text:
            raise InvalidInput("correction text must not be empty")
        if len(text) > MAX_TEXT_CHARS:
            raise InvalidInput(f"correction text must be at most {MAX_TEXT_CHARS} characters")
        cleaned.append({"section": section, "text": text})
    return cleaned
