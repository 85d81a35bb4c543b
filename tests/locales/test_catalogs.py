"""The catalogs are complete: every message translated (not fuzzy), with the same placeholders as its
source, and each template is what the code marks today. Two domains: `messages` (citizen texts, kl, da
and sv) and `inbox` (the caseworker's workplace, backend/inbox; da and kl, English is the source).

When this fails after adding or changing a text: `.venv-backend/bin/python scripts/catalogs.py all`,
then translate the new or fuzzy entries in the `.po` files (docs/texts.md, backend/inbox/i18n.py).
"""

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from catalogs import INBOX_LANGUAGES, INBOX_POT, POT, extract_command, inbox_extract_command  # noqa: E402

from backend.nlg.render import placeholders  # noqa: E402

LANGUAGES = ("kl", "da", "sv")
# (domain, language): every catalog that must be complete.
CATALOGS = [("messages", language) for language in LANGUAGES] + [
    ("inbox", language) for language in INBOX_LANGUAGES
]
TEMPLATES = {"messages": POT, "inbox": INBOX_POT}


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=locale)


def _messages(catalog: Catalog) -> dict[str, Message]:
    """The entries by their msgid (the singular of a plural entry)."""
    return {
        (message.id[0] if isinstance(message.id, tuple) else message.id): message
        for message in catalog
        if message.id
    }


def _forms(message: Message) -> list[str]:
    """A translation's texts: one, or each plural form of an `ngettext` entry."""
    string = message.string
    return [str(form) for form in string] if isinstance(string, tuple) else [str(string or "")]


def _source(message: Message) -> str:
    """The source text whose placeholders every form must have (the plural's for an `ngettext` entry)."""
    return str(message.id[-1]) if isinstance(message.id, tuple) else str(message.id)


def _po(domain: str, language: str) -> Catalog:
    return _read(ROOT / "locales" / language / "LC_MESSAGES" / f"{domain}.po", language)


@pytest.fixture(scope="module")
def template() -> Catalog:
    return _read(POT)


@pytest.mark.parametrize(("domain", "language"), CATALOGS)
def test_every_message_is_translated_and_not_fuzzy(domain: str, language: str) -> None:
    template = _read(TEMPLATES[domain])
    catalog = _po(domain, language)
    translations = _messages(catalog)
    missing = [msgid for msgid in _messages(template) if msgid not in translations]
    untranslated = [m.id for m in translations.values() if not all(form.strip() for form in _forms(m))]
    wrong_plurals = [
        m.id
        for m in translations.values()
        if isinstance(m.id, tuple) and len(_forms(m)) != catalog.num_plurals
    ]
    fuzzy = [m.id for m in translations.values() if m.fuzzy]
    assert (missing, untranslated, fuzzy, wrong_plurals) == ([], [], [], [])


@pytest.mark.parametrize(("domain", "language"), CATALOGS)
def test_translations_have_exactly_the_placeholders_of_their_source(domain: str, language: str) -> None:
    catalog = _po(domain, language)
    wrong = {
        str(m.id): form
        for m in _messages(catalog).values()
        for form in _forms(m)
        if form and placeholders(_source(m)) != placeholders(form)
    }
    assert wrong == {}


@pytest.mark.parametrize(("domain", "language"), CATALOGS)
def test_catalogs_hold_no_messages_the_code_no_longer_has(domain: str, language: str) -> None:
    template = _read(TEMPLATES[domain])
    assert set(_messages(_po(domain, language))) - set(_messages(template)) == set()


@pytest.mark.parametrize("domain", ["messages", "inbox"])
def test_the_template_is_up_to_date_with_the_code(domain: str, tmp_path: Path) -> None:
    template = _read(TEMPLATES[domain])
    fresh_path = tmp_path / f"{domain}.pot"
    command = extract_command if domain == "messages" else inbox_extract_command
    subprocess.run(command(fresh_path), cwd=ROOT, check=True, capture_output=True)
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


def test_caseworker_texts_stay_out_of_the_citizen_catalogs(template: Catalog) -> None:
    """The citizen catalogs (which need Swedish) never carry a caseworker text, and vice versa."""
    citizen = [
        m.id
        for m in _messages(template).values()
        if any(p.startswith("backend/inbox/") for p, _ in m.locations)
    ]
    inbox = [
        m.id
        for m in _messages(_read(INBOX_POT)).values()
        if any(not p.startswith("backend/inbox/") for p, _ in m.locations)
    ]
    assert (citizen, inbox) == ([], [])
