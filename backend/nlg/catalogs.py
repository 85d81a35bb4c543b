"""Loading the translations of `locales/{kl,da,sv}/LC_MESSAGES/messages.po`.

A compiled `.mo` is read when it is at least as new as its `.po`; otherwise the `.po` is compiled in
memory, so a fresh clone works without a build step and an edited `.po` is never shadowed by a stale
`.mo`. Fuzzy entries are left out (they fall back to the English source, and the catalog test fails).
The catalogs are read-only, so one copy per process is safe to share between requests.
"""

from __future__ import annotations

import gettext
import io
import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from backend.config import REPO_ROOT
from backend.nlg.locales import LANGUAGES

logger = logging.getLogger(__name__)

DOMAIN = "messages"
DEFAULT_LOCALES_DIR = REPO_ROOT / "locales"


def po_path(locales_dir: Path, language: str) -> Path:
    return locales_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_language(locales_dir: Path, language: str) -> gettext.NullTranslations:
    """The translations of one language; the English source texts when it has no catalog."""
    po = po_path(locales_dir, language)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fp:
            return Translations(fp, domain=DOMAIN)
    if not po.exists():
        logger.error(
            "no message catalog for %r under %s: showing the English source texts", language, locales_dir
        )
        return gettext.NullTranslations()
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Catalogs:
    """The translations of every conversation language."""

    def __init__(self, translations: dict[str, gettext.NullTranslations]) -> None:
        self._translations = translations

    @classmethod
    def load(cls, locales_dir: Path = DEFAULT_LOCALES_DIR) -> Catalogs:
        return cls({language: load_language(locales_dir, language) for language in LANGUAGES})

    def gettext(self, language: str, msgid: str) -> str:
        translations = self._translations.get(language)
        return translations.gettext(msgid) if translations is not None else msgid


_loaded: Catalogs | None = None


def use_locales_dir(locales_dir: Path) -> Catalogs:
    """Load the catalogs from `locales_dir` and make them the process's catalogs."""
    global _loaded
    _loaded = Catalogs.load(locales_dir)
    return _loaded


def catalogs() -> Catalogs:
    """The process's catalogs, loaded from `locales/` on first use unless start-up chose a directory."""
    global _loaded
    if _loaded is None:
        _loaded = Catalogs.load(DEFAULT_LOCALES_DIR)
    return _loaded


def gettext_for(language: str, msgid: str) -> str:
    return catalogs().gettext(language, msgid)
