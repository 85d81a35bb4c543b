"""caseworkers: the time step of the last accepted TOTP code (a code is accepted once)

Revision ID: b3f9c2d71e55
Revises: 8e2d4f6a1b37
Create Date: 2026-11-23 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b3f9c2d71e55"
down_revision = "8e2d4f6a1b37"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("caseworkers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("caseworkers", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
