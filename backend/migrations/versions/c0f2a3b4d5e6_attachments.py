"""attachments and document requests

Revision ID: c0f2a3b4d5e6
Revises: b9e1f2a3c4d5
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c0f2a3b4d5e6"
down_revision = "b9e1f2a3c4d5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_reference", sa.String(length=20), nullable=False),
        sa.Column("person_cpr", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_requests")),
    )
    op.create_index(
        op.f("ix_document_requests_application_reference"),
        "document_requests",
        ["application_reference"],
        unique=False,
    )
    op.create_index(
        op.f("ix_document_requests_person_cpr"), "document_requests", ["person_cpr"], unique=False
    )
    op.create_table(
        "attachments",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("person_cpr", sa.String(length=10), nullable=False),
        sa.Column("application_reference", sa.String(length=20), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=64), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("scan_state", sa.String(length=16), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["document_requests.id"],
            name=op.f("fk_attachments_request_id_document_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
    )
    op.create_index(
        op.f("ix_attachments_application_reference"), "attachments", ["application_reference"], unique=False
    )
    op.create_index(op.f("ix_attachments_person_cpr"), "attachments", ["person_cpr"], unique=False)
    op.create_index(op.f("ix_attachments_received_at"), "attachments", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_table("attachments")
    op.drop_table("document_requests")
