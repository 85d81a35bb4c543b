"""chat client message id: the widget's id of a message, so a resent turn is answered once

Revision ID: a1c2e3f4b5d6
Revises: f3c5d6e7a8b9
Create Date: 2026-12-05 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "a1c2e3f4b5d6"
down_revision = "f3c5d6e7a8b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.add_column(sa.Column("client_message_id", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(
            "uq_chat_messages_client_message_id", ["conversation_id", "client_message_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("chat_messages") as batch:
        batch.drop_constraint("uq_chat_messages_client_message_id", type_="unique")
        batch.drop_column("client_message_id")
