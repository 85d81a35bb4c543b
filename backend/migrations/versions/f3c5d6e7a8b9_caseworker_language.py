"""caseworker language: the language of a caseworker's inbox pages and e-mails (da, kl or en)

Revision ID: f3c5d6e7a8b9
Revises: e2b4c5d6f7a8
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f3c5d6e7a8b9"
down_revision = "e2b4c5d6f7a8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("caseworkers") as batch:
        batch.add_column(sa.Column("language", sa.String(length=2), nullable=False, server_default="da"))


def downgrade() -> None:
    with op.batch_alter_table("caseworkers") as batch:
        batch.drop_column("language")
