"""audit purge function: the application's role purges old audit entries only through a function of the
owner's, which never deletes entries younger than the retention floor

Revision ID: b7d2e4f6a8c1
Revises: a1c2e3f4b5d6
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b7d2e4f6a8c1"
down_revision = "a1c2e3f4b5d6"
branch_labels = None
depends_on = None

# PostgreSQL: runs with the owner's rights (SECURITY DEFINER), so a role that may neither delete from
# audit_log nor update audit_chain_head.purge_up_to can still purge, but only an unbroken prefix of
# entries older than both its cutoff and now() minus min_retention_days (written by `inissiaq db grant`;
# NULL: no floor, as before any grant). Returns the last deleted entry and the count, or no row.
PURGE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_purge(cutoff timestamptz)
RETURNS TABLE (up_to_id bigint, up_to_hash varchar, deleted bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, {schema}
AS $$
DECLARE
    floor_days integer;
    first_kept bigint;
BEGIN
    SELECT head.min_retention_days INTO floor_days FROM audit_chain_head head WHERE head.id = 1 FOR UPDATE;
    IF floor_days IS NOT NULL THEN
        cutoff := LEAST(cutoff, now() - make_interval(days => floor_days));
    END IF;
    SELECT min(entry.id) INTO first_kept FROM audit_log entry WHERE entry.at >= cutoff;
    SELECT entry.id, entry.hash INTO up_to_id, up_to_hash FROM audit_log entry
        WHERE first_kept IS NULL OR entry.id < first_kept ORDER BY entry.id DESC LIMIT 1;
    IF up_to_id IS NULL THEN
        RETURN;
    END IF;
    UPDATE audit_chain_head head SET purge_up_to = up_to_id WHERE head.id = 1;
    DELETE FROM audit_log entry WHERE entry.id <= up_to_id;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN NEXT;
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("audit_chain_head") as batch:
        batch.add_column(sa.Column("min_retention_days", sa.Integer(), nullable=True))
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        schema = connection.execute(sa.text("SELECT quote_ident(current_schema())")).scalar_one()
        op.execute(PURGE_FUNCTION.format(schema=schema))
        # A new function may be called by every role; only the roles `inissiaq db grant` names may.
        op.execute("REVOKE ALL ON FUNCTION audit_log_purge(timestamptz) FROM PUBLIC")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_log_purge(timestamptz)")
    with op.batch_alter_table("audit_chain_head") as batch:
        batch.drop_column("min_retention_days")
