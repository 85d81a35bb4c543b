"""The `inissiaq` command. Each subcommand lives in its own module with `register(subparsers)`;
adding a command is one line in COMMANDS."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from backend.settings_check import settings_from_env
from privacy import log_masking

COMMANDS: list[str] = [
    "backend.cli.db",
    "backend.cli.demo",
    "backend.cli.applications",
    "backend.cli.drafts",
    "backend.cli.digest",
    "backend.cli.purge",
    "backend.cli.phones",
    "backend.cli.audit",
    "backend.cli.persons",
    "backend.cli.clients",
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
    """Entry point; every subcommand sets `handler(args, settings) -> exit code`. Bad settings stop the
    command before it runs (exit status 2, naming them); what it logs is masked like the services' logs."""
    args = build_parser().parse_args(argv)
    log_masking.install()
    return int(args.handler(args, settings_from_env(service=False)) or 0)


if __name__ == "__main__":
    sys.exit(main())
