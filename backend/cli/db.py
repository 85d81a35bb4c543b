"""`inissiaq db upgrade`: migrate the database at $DATABASE_URL to the newest schema."""

from __future__ import annotations

import argparse

from backend.config import Settings
from backend.migrations.runner import upgrade_to_head


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply every migration up to head").set_defaults(handler=upgrade)


def upgrade(args: argparse.Namespace, settings: Settings) -> int:
    upgrade_to_head(settings.database_url)
    print("database is at the newest schema")
    return 0
