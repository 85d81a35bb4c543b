"""`inissiaq db upgrade`: migrate the database to the newest schema; `inissiaq db grant`: give the
application's role its privileges (PostgreSQL). Both connect as the tables' owner:
$MIGRATION_DATABASE_URL, or $DATABASE_URL when that is not set (development).

The deployment step before the web instances and workers start (docs/operations.md, "Migrations" and
"Database roles"). Several copies may run at once: the migration lock lets one migrate, the others
find it done; granting again is harmless.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.engine import make_url

from backend.config import Settings
from backend.migrations.roles import GrantRefused, grant_app_role
from backend.migrations.runner import upgrade_to_head


def register(subparsers: argparse._SubParsersAction) -> None:
    db = subparsers.add_parser("db", help="database schema and roles")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    actions.add_parser("upgrade", help="apply every migration up to head").set_defaults(handler=upgrade)
    grant = actions.add_parser(
        "grant",
        help="give the application's role its privileges: read and write, but only append to the audit log",
    )
    grant.add_argument(
        "--app-role", help="the services' role (default: the user of DATABASE_URL)", default=None
    )
    grant.set_defaults(handler=grant_privileges)


def upgrade(args: argparse.Namespace, settings: Settings) -> int:
    done = upgrade_to_head(settings.owner_database_url)
    if done.migrated:
        print(f"database migrated from {done.before or 'empty'} to {done.after}")
    else:
        print(f"database already at the newest schema ({done.after})")
    return 0


def grant_privileges(args: argparse.Namespace, settings: Settings) -> int:
    owner_url = settings.owner_database_url
    if make_url(owner_url).get_backend_name() == "sqlite":
        print("SQLite has no database roles: nothing to grant")
        return 0
    role = args.app_role or make_url(settings.database_url).username
    if not role:
        print(
            "inissiaq db grant: name the role with --app-role (DATABASE_URL names no user)", file=sys.stderr
        )
        return 2
    try:
        done = grant_app_role(owner_url, role, min_retention_days=settings.history_retention_days)
    except GrantRefused as refused:
        print(f"inissiaq db grant: refused: {refused}", file=sys.stderr)
        return 1
    print(
        f"role {done.role}: {done.tables} tables and {done.sequences} sequences granted; the audit log "
        f"append-only, entries younger than {done.min_retention_days} days never purged"
    )
    return 0
