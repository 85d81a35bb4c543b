"""rate limits: fixed-window counters shared by every instance

Revision ID: d5b2f1e3a4c7
Revises: c4a1e0d2f3b6
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

from alembic import op  # noqa: F401

revision = "d5b2f1e3a4c7"
down_revision = "c4a1e0d2f3b6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
