"""drafts: resumable drafts belong to the person

A reference for operators, the answers given so far, the last step answered and when. Drafts made
before this revision get a reference from their id and no answers.

Revision ID: e6c3a2f4b5d8
Revises: d5b2f1e3a4c7
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e6c3a2f4b5d8"
down_revision = "d5b2f1e3a4c7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("answers", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column("last_step", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("last_step_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE drafts SET reference = 'KL-' || upper(substr(id, 1, 12)) WHERE reference IS NULL")
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.alter_column("reference", existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column("answers", existing_type=sa.JSON(), server_default=None)
        batch_op.create_unique_constraint(batch_op.f("uq_drafts_reference"), ["reference"])


def downgrade() -> None:
    with op.batch_alter_table("drafts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_drafts_reference"), type_="unique")
        batch_op.drop_column("last_step_at")
        batch_op.drop_column("last_step")
        batch_op.drop_column("answers")
        batch_op.drop_column("reference")
