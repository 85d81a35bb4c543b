"""The conversation languages and the Babel locale each one is formatted in."""

from __future__ import annotations

from babel import Locale

LANGUAGES: tuple[str, ...] = ("kl", "da", "sv")
BABEL_LOCALES: dict[str, str] = {"kl": "kl_GL", "da": "da_DK", "sv": "sv_SE"}
FALLBACK_LANGUAGE = "kl"


def supported(language: str | None) -> bool:
    return language in BABEL_LOCALES


def babel_locale(language: str) -> Locale:
    """The Babel locale of a conversation language (the fallback language's for an unknown code)."""
    return Locale.parse(BABEL_LOCALES.get(language, BABEL_LOCALES[FALLBACK_LANGUAGE]))
