"""outbox rate slots: the providers' overall limits shared by all worker instances

Revision ID: 8e2d4f6a1b37
Revises: 5c1e7a2b9d40
Create Date: 2026-11-23 07:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8e2d4f6a1b37"
down_revision = "5c1e7a2b9d40"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_rate_slots",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("next_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_outbox_rate_slots")),
    )


def downgrade() -> None:
    op.drop_table("outbox_rate_slots")
