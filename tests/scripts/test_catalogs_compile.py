"""scripts/catalogs.py compile: a .mo is never rewritten in place, so a process loading the catalogs at
the same time (the backend suite beside the `make run` of the supervision test) never reads a
half-written one."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from backend.nlg.catalogs import Catalogs
from scripts.catalogs import LOCALES, compile_catalogs


def _locales(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    shutil.copytree(LOCALES, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def test_an_up_to_date_catalog_is_not_written_again(tmp_path: Path) -> None:
    locales = _locales(tmp_path)
    first = compile_catalogs(locales)
    assert {mo.name for mo in first} == {"messages.mo", "inbox.mo"} and len(first) == 5
    before = {mo: (mo.stat().st_ino, mo.stat().st_mtime_ns) for mo in first}
    assert compile_catalogs(locales) == []
    assert {mo: (mo.stat().st_ino, mo.stat().st_mtime_ns) for mo in first} == before


def test_a_changed_catalog_replaces_its_mo_whole_under_a_new_name(tmp_path: Path) -> None:
    locales = _locales(tmp_path)
    compile_catalogs(locales)
    mo = locales / "kl" / "LC_MESSAGES" / "messages.mo"
    po = mo.with_suffix(".po")
    os.utime(po, (mo.stat().st_mtime + 10, mo.stat().st_mtime + 10))
    old_inode = mo.stat().st_ino
    assert compile_catalogs(locales) == [mo]
    assert mo.stat().st_ino != old_inode  # a new file renamed over it, the old one never truncated
    assert not list(locales.rglob("*.tmp"))
    assert Catalogs.load(locales).gettext("kl", "x") == "x"  # the new file loads
