"""The `inissiaq` command. Each subcommand lives in its own module with `register(subparsers)`;
adding a command is one line in COMMANDS."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from backend.config import Settings

COMMANDS: list[str] = [
    "backend.cli.db",
    "backend.cli.demo",
    "backend.cli.applications",
    "backend.cli.digest",
    "backend.cli.purge",
    "backend.cli.phones",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inissiaq", description="Housing-benefit assistant: administration. Uses $DATABASE_URL."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMANDS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; every subcommand sets `handler(args, settings) -> exit code`."""
    args = build_parser().parse_args(argv)
    return int(args.handler(args, Settings.from_env()) or 0)


if __name__ == "__main__":
    sys.exit(main())
