"""`inissiaq purge`: delete history older than HISTORY_RETENTION_DAYS (the scheduler runs it daily)."""

from __future__ import annotations

import argparse

from backend.cli.common import run_with_session
from backend.config import Settings
from backend.scheduler import purge


def register(subparsers: argparse._SubParsersAction) -> None:
    command = subparsers.add_parser("purge", help="delete history older than the retention period")
    command.set_defaults(handler=run_purge)


def run_purge(args: argparse.Namespace, settings: Settings) -> int:
    counts = run_with_session(settings, lambda db: purge(db, settings))
    print(", ".join(f"{name}: {count}" for name, count in counts.items()))
    return 0
