"""telegram sender name: the first name and initial shown on the one-time link's page

Revision ID: f7d8e9a0b1c2
Revises: e6c3a2f4b5d8
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "f7d8e9a0b1c2"
down_revision = "e6c3a2f4b5d8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sender_name", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_column("sender_name")
