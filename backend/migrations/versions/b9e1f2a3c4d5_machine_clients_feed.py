"""machine clients (OAuth client credentials), application change feed, webhooks

Revision ID: b9e1f2a3c4d5
Revises: a8c4d2e6f1b3
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b9e1f2a3c4d5"
down_revision = "a8c4d2e6f1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "machine_clients",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("webhook_url", sa.String(length=500), nullable=True),
        sa.Column("webhook_secret", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_machine_clients")),
        sa.UniqueConstraint("name", name=op.f("uq_machine_clients_name")),
    )
    op.create_table(
        "machine_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("scopes", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["client_id"],
            ["machine_clients.id"],
            name=op.f("fk_machine_tokens_client_id_machine_clients"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_machine_tokens")),
    )
    op.create_index(op.f("ix_machine_tokens_client_id"), "machine_tokens", ["client_id"], unique=False)
    op.create_index(op.f("ix_machine_tokens_expires_at"), "machine_tokens", ["expires_at"], unique=False)
    op.create_table(
        "application_changes",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_changes_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_changes")),
    )
    op.create_index(
        "ix_application_changes_application", "application_changes", ["application_id", "id"], unique=False
    )
    op.create_table(
        "application_feed_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_feed_head")),
    )


def downgrade() -> None:
    op.drop_table("application_feed_head")
    op.drop_index("ix_application_changes_application", table_name="application_changes")
    op.drop_table("application_changes")
    op.drop_index(op.f("ix_machine_tokens_expires_at"), table_name="machine_tokens")
    op.drop_index(op.f("ix_machine_tokens_client_id"), table_name="machine_tokens")
    op.drop_table("machine_tokens")
    op.drop_table("machine_clients")
