"""application status events (the timeline)

Revision ID: e2b4c5d6f7a8
Revises: d1a3b4c5e6f7
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "e2b4c5d6f7a8"
down_revision = "d1a3b4c5e6f7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
