"""Which language a conversation is answered in.

Precedence: an explicit choice ("explicit") > the language the widget gave ("widget") > the language
detected in the citizen's first free-text message of three words or more ("detected") > the person
register's language on login ("register") > `settings.default_language`.

Detection uses gielladetect (GiellaLT models, GPL-3.0, compatible with the project's
GPL-3.0-or-later). It is unreliable on one- or two-word replies ("ja", "nej tak", "aap"), so those never
switch the language, nor do button payloads ("/affirm").
"""

from __future__ import annotations

import json
import re

import gielladetect

from backend.models.conversations import Conversation
from backend.nlg import LANGUAGES

# Higher wins; a source may replace the language set by one of lower or equal rank only where noted.
RANK = {None: 0, "register": 1, "detected": 2, "widget": 3, "explicit": 4}
DETECTOR_CODES = {"kal": "kl", "dan": "da", "swe": "sv"}
MIN_DETECTION_WORDS = 3
_CHOOSE_LANGUAGE = re.compile(r"^/choose_language(\{.*\})?$", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]{2,}")


def effective_language(conversation: Conversation, default_language: str) -> str:
    return conversation.language if conversation.language in LANGUAGES else default_language


def chosen_language(text: str) -> str | None:
    """The language of a `/choose_language{"language": "da"}` payload (None for anything else)."""
    match = _CHOOSE_LANGUAGE.match(text.strip())
    if match is None or match.group(1) is None:
        return None
    try:
        entities = json.loads(match.group(1))
    except ValueError:
        return None
    language = entities.get("language") if isinstance(entities, dict) else None
    return language if language in LANGUAGES else None


def detect_language(text: str) -> str | None:
    """kl, da or sv for a free-text message of three different words or more; None when it is too short to tell."""
    words = {word.lower() for word in _WORD.findall(text)}
    if text.lstrip().startswith("/") or len(words) < MIN_DETECTION_WORDS:
        return None
    return DETECTOR_CODES.get(gielladetect.detect(text, langs=list(DETECTOR_CODES)))


def _set(conversation: Conversation, language: str, source: str) -> None:
    conversation.language = language
    conversation.language_source = source


def apply_choice(conversation: Conversation, language: str) -> None:
    """The citizen chose a language: it wins over everything, also over an earlier choice."""
    _set(conversation, language, "explicit")


def apply_widget_hint(conversation: Conversation, language: str | None) -> None:
    """The page told the widget its language; it wins over detection and the register, not a choice."""
    if language in LANGUAGES and RANK.get(conversation.language_source, 0) <= RANK["widget"]:
        _set(conversation, language, "widget")


def apply_detection(conversation: Conversation, text: str) -> None:
    """Detect from the first free-text message long enough, unless something better is known."""
    if RANK.get(conversation.language_source, 0) >= RANK["detected"]:
        return
    language = detect_language(text)
    if language is not None:
        _set(conversation, language, "detected")


def apply_register(conversation: Conversation, language: str | None) -> None:
    """On login: the register's language, only if nothing better is known."""
    if language in LANGUAGES and RANK.get(conversation.language_source, 0) < RANK["register"]:
        _set(conversation, language, "register")


def resolve(
    conversation: Conversation, text: str, *, language_hint: str | None, default_language: str
) -> str:
    """Update the conversation's language from one citizen message and return the language to answer in."""
    choice = chosen_language(text)
    if choice is not None:
        apply_choice(conversation, choice)
    else:
        apply_widget_hint(conversation, language_hint)
        apply_detection(conversation, text)
    return effective_language(conversation, default_language)
