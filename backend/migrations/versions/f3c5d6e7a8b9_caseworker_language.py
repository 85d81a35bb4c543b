"""caseworker language

Revision ID: f3c5d6e7a8b9
Revises: e2b4c5d6f7a8
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "f3c5d6e7a8b9"
down_revision = "e2b4c5d6f7a8"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
