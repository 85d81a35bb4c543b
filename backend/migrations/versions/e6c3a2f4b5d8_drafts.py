"""drafts: resumable drafts belong to the person

Revision ID: e6c3a2f4b5d8
Revises: d5b2f1e3a4c7
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

from alembic import op  # noqa: F401

revision = "e6c3a2f4b5d8"
down_revision = "d5b2f1e3a4c7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
