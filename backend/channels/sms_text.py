"""SMS rendering: plain text, buttons as numbered options, long texts split at sentence boundaries.

Segment arithmetic (3GPP TS 23.038): a text that only uses the GSM 03.38 alphabet is GSM-7, 160
septets in one segment or 153 per segment when concatenated; the extension characters (`^{}\\[~]|€`
and form feed) take two septets. Anything else (Greenlandic's and Danish's æ ø å are GSM-7, but e.g.
"ĸ", "ä" is GSM-7 while "ï" is not) makes the whole message UCS-2: 70 characters, or 67 per segment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from backend.channels.types import BotMessage, Button

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "^{}\\[~]|€\f"
_BASIC = frozenset(GSM7_BASIC)
_EXTENSION = frozenset(GSM7_EXTENSION)
# At most this many segments per part: a part stays readable and cheap, and arrives as one message.
MAX_SEGMENTS_PER_PART = 3
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+|\n+")


def is_gsm7(text: str) -> bool:
    return all(c in _BASIC or c in _EXTENSION for c in text)


def septets(text: str) -> int:
    return sum(2 if c in _EXTENSION else 1 for c in text)


def segments(text: str) -> int:
    """How many SMS segments the text costs."""
    if is_gsm7(text):
        length, single, multi = septets(text), 160, 153
    else:
        length, single, multi = sum(2 if ord(c) > 0xFFFF else 1 for c in text), 70, 67
    if length <= single:
        return 1
    return -(-length // multi)


def with_options(message: BotMessage) -> str:
    """The text, then each button as "1. Yes" (a link button shows its address instead)."""
    return "\n".join(line for line in [message.text, options_block(message)] if line)


def options_block(message: BotMessage) -> str:
    """The buttons as numbered lines ("1. Yes"), and link buttons whose address the text lacks."""
    lines: list[str] = []
    number = 0
    for button in message.buttons:
        if button.is_link:
            if button.payload not in message.text:
                lines.append(f"{button.title}: {button.payload}")
            continue
        number += 1
        lines.append(f"{number}. {button.title}")
    return "\n".join(line for line in lines if line)


def split_parts(text: str, max_segments: int = MAX_SEGMENTS_PER_PART) -> list[str]:
    """Split at sentence ends (and line breaks) so that each part costs at most `max_segments`.
    A single sentence longer than that is cut at word boundaries."""
    if segments(text) <= max_segments:
        return [text]
    pieces = [p for p in _SENTENCE_END.split(text) if p.strip()]
    parts: list[str] = []
    current = ""
    for piece in pieces:
        for chunk in _cut_words(piece, max_segments):
            candidate = f"{current}\n{chunk}" if current and "\n" in text else f"{current} {chunk}".strip()
            if current and segments(candidate) > max_segments:
                parts.append(current)
                current = chunk
            else:
                current = candidate
    if current:
        parts.append(current)
    return parts


def _cut_words(text: str, max_segments: int) -> list[str]:
    if segments(text) <= max_segments:
        return [text]
    chunks: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and segments(candidate) > max_segments:
            chunks.append(current)
            current = word
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def render(message: BotMessage) -> list[str]:
    """The SMS parts of one bot message. The numbered options never arrive alone: they go with the
    last part, or with the last sentence (the question they answer) when that part is full."""
    options = options_block(message)
    whole = with_options(message)
    if not options or segments(whole) <= MAX_SEGMENTS_PER_PART or not message.text.strip():
        return split_parts(whole)
    parts = split_parts(message.text)
    last = f"{parts[-1]}\n{options}"
    if segments(last) <= MAX_SEGMENTS_PER_PART:
        return [*parts[:-1], last]
    sentences = [p for p in _SENTENCE_END.split(parts[-1]) if p.strip()]
    rest = " ".join(sentences[:-1])
    return [*parts[:-1], *([rest] if rest else []), *split_parts(f"{sentences[-1]}\n{options}")]


def option_buttons(buttons: Sequence[Button]) -> list[Button]:
    """The buttons that got a number (link buttons do not)."""
    return [b for b in buttons if not b.is_link]


def resolve_option(text: str, buttons: Sequence[Button]) -> str:
    """The citizen's answer to numbered options: "1" or the option's words become its payload; any
    other text is passed on as it is."""
    options = option_buttons(buttons)
    answer = text.strip().rstrip(".").strip()
    if answer.isdigit() and 1 <= int(answer) <= len(options):
        return options[int(answer) - 1].payload
    for button in options:
        if answer.casefold() == button.title.strip().casefold():
            return button.payload
    return text
