"""attachments and document requests

Revision ID: c0f2a3b4d5e6
Revises: b9e1f2a3c4d5
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "c0f2a3b4d5e6"
down_revision = "b9e1f2a3c4d5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
