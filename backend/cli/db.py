"""`inissiaq db upgrade`: migrate the database at $DATABASE_URL to the newest schema.

The deployment step before the web instances and workers start (docs/operations.md, "Migrations").
Several copies may run at once: the migration lock lets one migrate, the others find it done.
"""

from __future__ import annotations

import argparse

from backend.config import Settings
from backend.migrations.runner import upgrade_to_head


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply every migration up to head").set_defaults(handler=upgrade)


def upgrade(args: argparse.Namespace, settings: Settings) -> int:
    done = upgrade_to_head(settings.database_url)
    if done.migrated:
        print(f"database migrated from {done.before or 'empty'} to {done.after}")
    else:
        print(f"database already at the newest schema ({done.after})")
    return 0
