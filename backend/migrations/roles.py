"""The application's database role on PostgreSQL (`inissiaq db grant`): what it may do, granted by the
tables' owner after every upgrade.

The services connect as a role that owns nothing, so it can neither alter a table (no DISABLE TRIGGER,
no DROP) nor TRUNCATE one. On every table of the schema it may SELECT, INSERT, UPDATE and DELETE,
except: on `audit_log` only SELECT and INSERT; on `audit_chain_head` SELECT and an UPDATE of the chain's
newest link (`last_id`, `last_hash`), never of `purge_up_to` or `min_retention_days`; on
`alembic_version` SELECT. It purges old audit entries only through the owner's `audit_log_purge`, which
keeps every entry younger than `min_retention_days` (recorded here). Granting again is harmless: each
table's privileges are revoked and granted afresh, in one transaction, so a new table is covered by the
next grant and a changed rule replaces the old one.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.migrations.runner import current_revision, head_revision

# Table-level privileges by table; every other table of the schema gets FULL.
FULL = "SELECT, INSERT, UPDATE, DELETE"
TABLE_PRIVILEGES: dict[str, str] = {
    "audit_log": "SELECT, INSERT",
    "audit_chain_head": "SELECT, UPDATE (last_id, last_hash)",
    "alembic_version": "SELECT",
}
PURGE_FUNCTION = "audit_log_purge(timestamptz)"


class GrantRefused(Exception):
    """The grant cannot be made safely; the message says why and what to do."""


@dataclass(frozen=True)
class Grant:
    """What one grant covered."""

    role: str
    tables: int
    sequences: int
    min_retention_days: int


def grant_app_role(owner_url: str, role: str, *, min_retention_days: int) -> Grant:
    """Grant `role` the application's privileges, connected as the tables' owner (PostgreSQL only)."""
    return asyncio.run(_grant(owner_url, role, min_retention_days))


async def _grant(owner_url: str, role: str, min_retention_days: int) -> Grant:
    from backend.config import async_database_url
    from backend.db import create_engine

    engine = create_engine(async_database_url(owner_url))
    try:
        async with engine.begin() as connection:
            return await grant_on(connection, role, min_retention_days)
    finally:
        await engine.dispose()


async def grant_on(connection: AsyncConnection, role: str, min_retention_days: int) -> Grant:
    """The grant within the caller's transaction."""
    if connection.dialect.name != "postgresql":
        raise GrantRefused("only PostgreSQL has roles (SQLite is for development: nothing to grant)")
    if min_retention_days < 1:
        raise GrantRefused(f"the audit log's retention must be at least one day, not {min_retention_days}")
    revision = await connection.run_sync(current_revision)
    if revision != head_revision():
        raise GrantRefused(
            f"the database is at {revision or 'no migration'}: run `inissiaq db upgrade` first"
        )
    await _check_role(connection, role)
    quote = connection.dialect.identifier_preparer.quote
    grantee = quote(role)
    schema = (await connection.execute(text("SELECT current_schema()"))).scalar_one()
    relations = (
        await connection.execute(
            text(
                "SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S') ORDER BY c.relname"
            )
        )
    ).all()
    if not await _allowed(connection, "has_schema_privilege(:role, current_schema(), 'USAGE')", role):
        await connection.execute(text(f"GRANT USAGE ON SCHEMA {quote(schema)} TO {grantee}"))
    tables = sequences = 0
    for name, kind in relations:
        if kind == "S":
            await connection.execute(text(f"REVOKE ALL ON SEQUENCE {quote(name)} FROM {grantee}"))
            await connection.execute(text(f"GRANT USAGE, SELECT ON SEQUENCE {quote(name)} TO {grantee}"))
            sequences += 1
        else:
            await connection.execute(text(f"REVOKE ALL ON TABLE {quote(name)} FROM {grantee}"))
            privileges = TABLE_PRIVILEGES.get(name, FULL)
            await connection.execute(text(f"GRANT {privileges} ON TABLE {quote(name)} TO {grantee}"))
            tables += 1
    await connection.execute(text(f"GRANT EXECUTE ON FUNCTION {PURGE_FUNCTION} TO {grantee}"))
    await connection.execute(
        text("UPDATE audit_chain_head SET min_retention_days = :days WHERE id = 1"),
        {"days": min_retention_days},
    )
    return Grant(role=role, tables=tables, sequences=sequences, min_retention_days=min_retention_days)


async def _check_role(connection: AsyncConnection, role: str) -> None:
    """Refuse a role that does not exist or that could change the audit log anyway: the owner itself, a
    superuser, or a member of a table owner's role (it could act as that owner)."""
    found = (
        await connection.execute(
            text("SELECT rolsuper, rolname = current_user FROM pg_roles WHERE rolname = :role"),
            {"role": role},
        )
    ).first()
    if found is None:
        raise GrantRefused(
            f"role {role!r} does not exist: create it first (CREATE ROLE … LOGIN PASSWORD …; "
            "docs/operations.md, 'Database roles')"
        )
    superuser, is_self = found
    if is_self:
        raise GrantRefused(
            f"role {role!r} is the role running the grant, the tables' owner: the services need a role of "
            "their own (DATABASE_URL), the owner's is MIGRATION_DATABASE_URL"
        )
    if superuser:
        raise GrantRefused(f"role {role!r} is a superuser: it bypasses every privilege")
    owners = (
        (
            await connection.execute(
                text(
                    "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S') "
                    "AND pg_has_role(:role, c.relowner, 'MEMBER')"
                ),
                {"role": role},
            )
        )
        .scalars()
        .all()
    )
    if owners:
        raise GrantRefused(
            f"role {role!r} owns tables or is a member of their owner ({', '.join(sorted(owners))}): "
            "it could alter or empty the audit log"
        )


async def _allowed(connection: AsyncConnection, expression: str, role: str) -> bool:
    return bool((await connection.execute(text(f"SELECT {expression}"), {"role": role})).scalar_one())
