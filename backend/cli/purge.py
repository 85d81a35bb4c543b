"""`inissiaq purge`: apply the retention policy now (the scheduler runs it daily; docs/data-protection.md)
and print how many rows were deleted or redacted per kind."""

from __future__ import annotations

import argparse

from backend.cli.common import run_with_session
from backend.config import Settings
from backend.scheduler import purge


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser(
        "purge", help="delete or redact what the retention policy no longer allows to keep"
    )
    command.set_defaults(handler=run_purge)


def run_purge(args: argparse.Namespace, settings: Settings) -> int:
    counts = run_with_session(settings, lambda db: purge(db, settings))
    width = max(map(len, counts))
    for kind, count in counts.items():
        print(f"{kind:<{width}}  {count}")
    return 0
