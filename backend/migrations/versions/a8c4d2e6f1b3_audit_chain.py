"""audit chain: each audit entry carries the hash of the one before it; the chain head; append-only

Revision ID: a8c4d2e6f1b3
Revises: f7d8e9a0b1c2
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from backend.audit_chain import GENESIS, entry_hash

revision = "a8c4d2e6f1b3"
down_revision = "f7d8e9a0b1c2"
branch_labels = None
depends_on = None

# PostgreSQL: no UPDATE of an audit entry, and no DELETE except of the prefix the purge has named in
# audit_chain_head.purge_up_to within its own transaction.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.id <= COALESCE((SELECT purge_up_to FROM audit_chain_head WHERE id = 1), 0) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % of entry % refused', TG_OP, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
APPEND_ONLY_TRIGGER = (
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
)

audit_log = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("person_cpr", sa.String),
    sa.column("application_reference", sa.String),
    sa.column("details", sa.JSON),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def upgrade() -> None:
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("purge_up_to", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    last_id, last_hash = 0, GENESIS
    for row in connection.execute(sa.select(audit_log).order_by(audit_log.c.id)).mappings().all():
        fields = {**row, "prev_hash": last_hash}
        digest = entry_hash(fields)
        connection.execute(
            audit_log.update().where(audit_log.c.id == row["id"]).values(prev_hash=last_hash, hash=digest)
        )
        last_id, last_hash = int(row["id"]), digest
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    op.execute(
        sa.text(
            "INSERT INTO audit_chain_head (id, last_id, last_hash, purge_up_to) VALUES (1, :last_id, :last_hash, 0)"
        ).bindparams(last_id=last_id, last_hash=last_hash)
    )
    if connection.dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
        # The chain assigned ids itself: the column's own sequence continues after them again.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_log', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM audit_log"
        )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    op.drop_table("audit_chain_head")
