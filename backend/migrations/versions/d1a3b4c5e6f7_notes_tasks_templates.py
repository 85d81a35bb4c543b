"""journal notes, tasks, letter templates

Revision ID: d1a3b4c5e6f7
Revises: c0f2a3b4d5e6
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "d1a3b4c5e6f7"
down_revision = "c0f2a3b4d5e6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
