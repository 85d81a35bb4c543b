"""Rendering: a msgid or a registered response, in a conversation language, with formatted arguments."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from backend.nlg.catalogs import gettext_for
from backend.nlg.formatting import MISSING, format_argument
from backend.nlg.locales import FALLBACK_LANGUAGE, supported
from backend.nlg.responses import GENERIC_ERROR, RESPONSES, Button

logger = logging.getLogger(__name__)

# Only plain `{name}` placeholders: no attribute access or format specs from a catalog.
PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
# Channels that cannot show a link button: its address is added to the text.
LINKLESS_CHANNELS = frozenset({"sms"})


@dataclass(frozen=True)
class RenderedButton:
    title: str
    payload: str


@dataclass(frozen=True)
class RenderedMessage:
    text: str
    buttons: list[RenderedButton] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """Rasa's NLG answer format."""
        return {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
        }


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _language(language: str | None) -> str:
    if supported(language):
        return str(language)
    logger.warning("unsupported language %r: using %r", language, FALLBACK_LANGUAGE)
    return FALLBACK_LANGUAGE


def fill(text: str, language: str, arguments: Mapping[str, Any]) -> str:
    """Replace each `{name}` in a translated text by the formatted argument (MISSING when absent)."""

    def replace(match: re.Match[str]) -> str:
        return format_argument(match.group(1), arguments.get(match.group(1)), language)

    return PLACEHOLDER.sub(replace, text)


def translate(language: str | None, msgid: str, /, **arguments: Any) -> str:
    """The translation of `msgid` in `language` (kl, da or sv), its `{placeholders}` filled and formatted."""
    language = _language(language)
    return fill(gettext_for(language, msgid), language, arguments)


def render_response(
    name: str, language: str | None, arguments: Mapping[str, Any] | None = None, channel: str | None = None
) -> RenderedMessage:
    """A registered response in `language`; an unknown name renders the generic error (logged)."""
    language = _language(language)
    arguments = arguments or {}
    response = RESPONSES.get(name)
    if response is None:
        logger.error("unknown response %r: answering the generic error text", name)
        return RenderedMessage(translate(language, GENERIC_ERROR))
    text = fill(gettext_for(language, response.text), language, arguments)
    buttons = [b for b in (_button(button, language, arguments) for button in response.buttons) if b]
    if channel in LINKLESS_CHANNELS:
        links = [b.payload for b in buttons if b.payload.startswith(("https://", "http://"))]
        text = "\n".join([text, *links])
    return RenderedMessage(text, buttons)


def _button(button: Button, language: str, arguments: Mapping[str, Any]) -> RenderedButton | None:
    payload = button.payload
    if button.payload_argument:
        payload = str(arguments.get(button.payload_argument) or "")
        if not payload:
            logger.warning("button argument %r is missing: button left out", button.payload_argument)
            return None
    return RenderedButton(gettext_for(language, button.title), payload)


__all__ = [
    "MISSING",
    "RenderedButton",
    "RenderedMessage",
    "fill",
    "placeholders",
    "render_response",
    "translate",
]
