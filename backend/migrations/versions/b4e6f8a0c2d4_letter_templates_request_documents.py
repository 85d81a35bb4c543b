"""letter templates that ask for documents: sending such a letter records a document request

Revision ID: b4e6f8a0c2d4
Revises: b7d2e4f6a8c1
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "b4e6f8a0c2d4"
down_revision = "b7d2e4f6a8c1"
branch_labels = None
depends_on = None

# The seeded letters that ask the citizen for documents (the lease, the payslips).
DOCUMENT_LETTERS = ("lease_request", "payslips")


def upgrade() -> None:
    with op.batch_alter_table("letter_templates") as batch:
        batch.add_column(
            sa.Column("requests_documents", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    templates = sa.table("letter_templates", sa.column("key", sa.String), sa.column("requests_documents"))
    op.execute(
        templates.update().where(templates.c.key.in_(DOCUMENT_LETTERS)).values(requests_documents=sa.true())
    )


def downgrade() -> None:
    with op.batch_alter_table("letter_templates") as batch:
        batch.drop_column("requests_documents")
