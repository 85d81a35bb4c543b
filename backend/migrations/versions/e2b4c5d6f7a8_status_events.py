"""application status events (the timeline)

Revision ID: e2b4c5d6f7a8
Revises: d1a3b4c5e6f7
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "e2b4c5d6f7a8"
down_revision = "d1a3b4c5e6f7"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("case_reference", sa.String(length=64), nullable=True),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_status_events_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_status_events")),
    )
    op.create_index(
        op.f("ix_application_status_events_application_id"),
        "application_status_events",
        ["application_id"],
        unique=False,
    )
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("case_reference", sa.String(length=64), nullable=True))
    # The timeline of applications submitted before it existed: what the applications table still knows.
    op.execute(
        "INSERT INTO application_status_events (application_id, status, actor, at) "
        "SELECT id, 'submitted', 'citizen', submitted_at FROM applications"
    )
    op.execute(
        "INSERT INTO application_status_events (application_id, status, actor, at) "
        "SELECT id, 'taken_over', 'caseworker:' || taken_over_by, taken_over_at FROM applications "
        "WHERE taken_over_at IS NOT NULL AND taken_over_by IS NOT NULL"
    )
    op.execute(
        "INSERT INTO application_status_events (application_id, status, actor, at, decision, decided_on) "
        "SELECT id, 'decided', 'system', COALESCE(taken_over_at, submitted_at), decision, decided_on "
        "FROM applications WHERE status = 'decided'"
    )


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("case_reference")
    op.drop_index(op.f("ix_application_status_events_application_id"), table_name="application_status_events")
    op.drop_table("application_status_events")
