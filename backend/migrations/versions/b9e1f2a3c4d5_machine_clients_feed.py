"""machine clients (OAuth client credentials), application change feed, webhooks

Revision ID: b9e1f2a3c4d5
Revises: a8c4d2e6f1b3
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "b9e1f2a3c4d5"
down_revision = "a8c4d2e6f1b3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
