"""inbound messages: the conversation is found by the worker; queue order per sender

Revision ID: 5c1e7a2b9d40
Revises: 2705373f9470
Create Date: 2026-11-23 06:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5c1e7a2b9d40"
down_revision = "2705373f9470"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.alter_column("conversation_id", existing_type=sa.String(length=32), nullable=True)
        batch_op.create_index("ix_inbound_sender", ["channel", "sender", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_sender")
    op.execute("DELETE FROM inbound_messages WHERE conversation_id IS NULL")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.alter_column("conversation_id", existing_type=sa.String(length=32), nullable=False)
