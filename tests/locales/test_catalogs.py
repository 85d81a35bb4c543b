"""The catalogs are complete: every message translated (not fuzzy) in kl, da and sv, with the same
placeholders as its source, and `locales/messages.pot` is what the code marks today.

When this fails after adding or changing a text: `.venv-backend/bin/python scripts/catalogs.py all`,
then translate the new or fuzzy entries in the three `.po` files (docs/texts.md).
"""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from catalogs import POT, extract_command  # noqa: E402

from backend.nlg.render import placeholders  # noqa: E402

LANGUAGES = ("kl", "da", "sv")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def _messages(catalog: Catalog) -> dict[str, object]:
    return {message.id: message for message in catalog if message.id}


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(POT)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_not_fuzzy(language: str, template: Catalog) -> None:
    catalog = _read(ROOT / "locales" / language / "LC_MESSAGES" / "messages.po", language)
    translations = _messages(catalog)
    missing = [msgid for msgid in _messages(template) if msgid not in translations]
    untranslated = [m.id for m in translations.values() if not m.string or not str(m.string).strip()]
    fuzzy = [m.id for m in translations.values() if m.fuzzy]
    assert (missing, untranslated, fuzzy) == ([], [], [])


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_have_exactly_the_placeholders_of_their_source(language: str) -> None:
    catalog = _read(ROOT / "locales" / language / "LC_MESSAGES" / "messages.po", language)
    wrong = {
        m.id: str(m.string)
        for m in _messages(catalog).values()
        if m.string and placeholders(str(m.id)) != placeholders(str(m.string))
    }
    assert wrong == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_hold_no_messages_the_code_no_longer_has(language: str, template: Catalog) -> None:
    catalog = _read(ROOT / "locales" / language / "LC_MESSAGES" / "messages.po", language)
    assert set(_messages(catalog)) - set(_messages(template)) == set()


def test_the_template_is_up_to_date_with_the_code(tmp_path: Path, template: Catalog) -> None:
    fresh_path = tmp_path / "messages.pot"
    subprocess.run(extract_command(fresh_path), cwd=ROOT, check=True, capture_output=True)
    fresh = _messages(_read(fresh_path))
    committed = _messages(template)
    assert sorted(fresh) == sorted(committed)
    changed_comments = [
        msgid for msgid, m in fresh.items() if m.auto_comments != committed[msgid].auto_comments
    ]
    assert changed_comments == []


def test_every_response_text_has_a_translator_comment(template: Catalog) -> None:
    without = [
        m.id
        for m in _messages(template).values()
        if any(path.startswith("backend/nlg/") for path, _ in m.locations) and not m.auto_comments
    ]
    assert without == []
