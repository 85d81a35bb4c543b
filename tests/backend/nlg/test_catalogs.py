import os
import shutil
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from backend.nlg.catalogs import DEFAULT_LOCALES_DIR, Catalogs, po_path

GREETING = "Goodbye, and thank you for your visit."


def _copy_locales(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(DEFAULT_LOCALES_DIR, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def _set_translation(locales: Path, language: str, msgid: str, text: str, *, fuzzy: bool = False) -> None:
    path = po_path(locales, language)
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=language)
    catalog[msgid].string = text
    if fuzzy:
        catalog[msgid].flags.add("fuzzy")
    with path.open("wb") as fp:
        write_po(fp, catalog)


def test_a_fresh_clone_without_compiled_catalogs_is_compiled_in_memory(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    assert not list(locales.rglob("*.mo"))
    assert Catalogs.load(locales).gettext("da", GREETING) == "Farvel, og tak for besøget."


def test_a_compiled_catalog_is_used_when_it_is_up_to_date(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    po = po_path(locales, "sv")
    with po.open("rb") as fp:
        catalog = read_po(fp, locale="sv")
    catalog[GREETING].string = "Från .mo"
    with po.with_suffix(".mo").open("wb") as fp:
        write_mo(fp, catalog)
    assert Catalogs.load(locales).gettext("sv", GREETING) == "Från .mo"


def test_an_edited_po_wins_over_a_stale_compiled_catalog(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    po = po_path(locales, "kl")
    with po.open("rb") as fp:
        catalog = read_po(fp, locale="kl")
    with po.with_suffix(".mo").open("wb") as fp:
        write_mo(fp, catalog)
    _set_translation(locales, "kl", GREETING, "Inuulluarit!")
    mo_time = po.with_suffix(".mo").stat().st_mtime
    os.utime(po, (mo_time + 10, mo_time + 10))
    assert Catalogs.load(locales).gettext("kl", GREETING) == "Inuulluarit!"


def test_fuzzy_translations_are_not_shown(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    _set_translation(locales, "da", GREETING, "Måske farvel", fuzzy=True)
    assert Catalogs.load(locales).gettext("da", GREETING) == GREETING


def test_a_language_without_a_catalog_shows_the_source_text(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    shutil.rmtree(locales / "sv")
    assert Catalogs.load(locales).gettext("sv", GREETING) == GREETING
