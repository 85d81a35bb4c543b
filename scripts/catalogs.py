#!/usr/bin/env python3
"""The Babel workflow for `locales/`, with the project's options in one place (see docs/texts.md).

    python scripts/catalogs.py extract   # backend → locales/messages.pot, backend/inbox → locales/inbox.pot
    python scripts/catalogs.py update    # messages.pot → locales/{kl,da,sv}/LC_MESSAGES/messages.po,
                                         # inbox.pot → locales/{da,kl}/LC_MESSAGES/inbox.po
    python scripts/catalogs.py compile   # .po → .mo where the .po is newer (optional: the backend
                                         # compiles in memory)
    python scripts/catalogs.py all       # the three in order

Run it with the backend environment: `.venv-backend/bin/python scripts/catalogs.py all`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
POT = LOCALES / "messages.pot"
# The caseworker's workplace (backend/inbox): its own domain, English source texts, da and kl.
INBOX_POT = LOCALES / "inbox.pot"
INBOX_LANGUAGES = ("da", "kl")
PYBABEL = str(Path(sys.executable).parent / "pybabel")
WIDTH = "100"


def extract_command(output: Path) -> list[str]:
    """The exact extraction command; tests/locales compares its result with the committed .pot."""
    return [
        PYBABEL,
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "N_",
        "--add-comments=NOTE:",
        "--project=inissiaq",
        "--copyright-holder=inissiaq contributors",
        f"--width={WIDTH}",
        "-o",
        str(output),
        "backend",
    ]


def inbox_extract_command(output: Path) -> list[str]:
    """The extraction of the caseworker texts (domain `inbox`: every file under backend/inbox)."""
    # `python -m` with the repository as the working directory, so the extractor module imports.
    return [
        sys.executable,
        "-m",
        "babel.messages.frontend",
        "extract",
        "-F",
        str(ROOT / "babel-inbox.cfg"),
        "--add-comments=NOTE:",
        "--project=inissiaq",
        "--copyright-holder=inissiaq contributors",
        f"--width={WIDTH}",
        "-o",
        str(output),
        "backend/inbox",
    ]


COMMANDS: dict[str, list[list[str]]] = {
    "extract": [extract_command(POT), inbox_extract_command(INBOX_POT)],
    "update": [
        [PYBABEL, "update", "-i", str(POT), "-d", str(LOCALES), f"--width={WIDTH}", "--ignore-obsolete"],
        *(
            [
                PYBABEL,
                "update",
                "-D",
                "inbox",
                "-i",
                str(INBOX_POT),
                "-d",
                str(LOCALES),
                "-l",
                language,
                f"--width={WIDTH}",
                "--ignore-obsolete",
                "--init-missing",
                "--no-fuzzy-matching",  # short labels: a near match is almost always a wrong translation
            ]
            for language in INBOX_LANGUAGES
        ),
    ],
}
STEPS = {
    "extract": ["extract"],
    "update": ["update"],
    "compile": ["compile"],
    "all": ["extract", "update", "compile"],
}


def compile_catalogs(locales: Path = LOCALES) -> list[Path]:
    """Compile each .po whose .mo is missing or older (fuzzy entries left out); the .mo files written.

    A .mo is written beside it under a temporary name and renamed over the old one, and an up-to-date
    one is not written at all: a process loading the catalogs meanwhile (a running backend; the tests
    running beside the `make run` of the supervision test) reads the old file or the new one, never a
    half-written one."""
    written = []
    for po in sorted(locales.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as fp:
            catalog = read_po(fp, locale=po.parent.parent.name, domain=po.stem)
        temporary = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
        with temporary.open("wb") as fp:
            write_mo(fp, catalog, use_fuzzy=False)
        os.replace(temporary, mo)
        written.append(mo)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in STEPS:
        print(__doc__, file=sys.stderr)
        return 2
    for step in STEPS[argv[0]]:
        if step == "compile":
            for mo in compile_catalogs():
                print(f"compiled {mo.relative_to(ROOT)}")
            continue
        for command in COMMANDS[step]:
            subprocess.run(command, cwd=ROOT, check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
