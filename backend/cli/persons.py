"""`inissiaq person export --cpr … --out FILE.json`: everything the service holds about one person, as
FILE.json and FILE.pdf, for a subject-access request (GDPR art. 15). Administrators only: `--by` names
the administrator's account (an active caseworker account with the administrator role), and the
export is audited with that administrator as the actor; anyone else is refused."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from backend.cli.common import run_with_session
from backend.config import Settings
from backend.cpr import mask_cpr, normalise_cpr
from backend.errors import Forbidden
from backend.persons.export import export_for_administrator, export_pdf


def register(subparsers: argparse._SubParsersAction) -> None:
    person = subparsers.add_parser("person", help="one person's data (subject-access requests)")
    actions = person.add_subparsers(dest="person_command", required=True, metavar="ACTION")
    export = actions.add_parser(
        "export", help="write everything held about a person to FILE.json and FILE.pdf (audited)"
    )
    export.add_argument("--cpr", required=True)
    export.add_argument("--out", required=True, type=Path, help="FILE.json; the PDF goes beside it")
    export.add_argument(
        "--by", required=True, metavar="USERNAME", help="the administrator's username (audited as the actor)"
    )
    export.set_defaults(handler=run_export)


def write_private(path: Path, content: bytes) -> None:
    """Readable by the owner only: the file holds personal data."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    cpr = normalise_cpr(args.cpr)
    if cpr is None:
        print("error: --cpr must be a CPR number", file=sys.stderr)
        return 2
    out: Path = args.out if args.out.suffix == ".json" else args.out.with_name(args.out.name + ".json")
    if not out.parent.is_dir():
        print(f"error: no directory {out.parent}", file=sys.stderr)
        return 2
    try:
        record = run_with_session(settings, lambda db: export_for_administrator(db, settings, cpr, args.by))
    except Forbidden as refused:
        print(f"error: --by: {refused}; only an administrator may export a person's data", file=sys.stderr)
        return 3
    pdf = out.with_suffix(".pdf")
    write_private(out, json.dumps(record, ensure_ascii=False, indent=2).encode("utf-8"))
    write_private(pdf, export_pdf(record))
    counts = ", ".join(f"{name}: {len(value)}" for name, value in record.items() if isinstance(value, list))
    print(f"{mask_cpr(cpr)} exported to {out} and {pdf} ({counts})")
    return 0
