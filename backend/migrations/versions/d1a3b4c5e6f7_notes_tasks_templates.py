"""journal notes, tasks, letter templates

Revision ID: d1a3b4c5e6f7
Revises: c0f2a3b4d5e6
Create Date: 2026-12-05 11:00:00
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "d1a3b4c5e6f7"
down_revision = "c0f2a3b4d5e6"
branch_labels = None
depends_on = None

# The letters every municipality starts from (administrators edit them in the inbox): a request for
# the lease, a request for payslips, and the cover letter of a decision, in kl, da and sv. Merge
# fields: {name}, {reference}, {period}, {date}, {text}.
SEED_TEMPLATES: list[tuple[str, str, str, str]] = [
    (
        "lease_request",
        "kl",
        "Lejekontrakt pisariaqarpoq",
        "{name}\n\nQinnuteqaatit boligsikring pillugu {period} suliarivarput "
        "(qinnuteqaatip normua: {reference}). Suliarinissaanut lejekontraktit assinga "
        "pisariaqarparput. Kingusinnerpaamik {date} nassiutiguk. Maani chat-imi isernikkut "
        "nassiussinnaavat.\n\n{text}\n\nInussiarnersumik inuulluaqqusillunga\nKommuni",
    ),
    (
        "lease_request",
        "da",
        "Anmodning om lejekontrakt",
        "Kære {name}\n\nVi behandler din ansøgning om boligsikring for {period} (referencenummer "
        "{reference}). For at kunne behandle den har vi brug for en kopi af din lejekontrakt. Send den "
        "senest {date}. Du kan sende den her i chatten, når du er logget ind.\n\n{text}\n\n"
        "Med venlig hilsen\nKommunen",
    ),
    (
        "lease_request",
        "sv",
        "Begäran om hyreskontrakt",
        "Hej {name}\n\nVi handlägger din ansökan om bostadsstöd (boligsikring) för {period} "
        "(referensnummer {reference}). För att kunna handlägga den behöver vi en kopia av ditt "
        "hyreskontrakt. Skicka den senast {date}. Du kan skicka den här i chatten när du har loggat "
        "in.\n\n{text}\n\nMed vänliga hälsningar\nKommunen",
    ),
    (
        "payslips",
        "kl",
        "Akissarsianut uppernarsaatit (lønsedler)",
        "{name}\n\nQinnuteqaatit boligsikring pillugu {period} suliarivarput "
        "(qinnuteqaatip normua: {reference}). Ilaqutariinni isertitaqartut tamarmik qaammatini "
        "kingullerni pingasuni akissarsiaminnut uppernarsaataat (lønsedler) pisariaqarpagut. "
        "Kingusinnerpaamik {date} nassiutikkit. Maani chat-imi isernikkut nassiussinnaavatit."
        "\n\n{text}\n\nInussiarnersumik inuulluaqqusillunga\nKommuni",
    ),
    (
        "payslips",
        "da",
        "Anmodning om lønsedler",
        "Kære {name}\n\nVi behandler din ansøgning om boligsikring for {period} (referencenummer "
        "{reference}). Vi har brug for lønsedler for de seneste tre måneder for alle i husstanden, som "
        "har en indkomst. Send dem senest {date}. Du kan sende dem her i chatten, når du er logget ind."
        "\n\n{text}\n\nMed venlig hilsen\nKommunen",
    ),
    (
        "payslips",
        "sv",
        "Begäran om lönebesked",
        "Hej {name}\n\nVi handlägger din ansökan om bostadsstöd (boligsikring) för {period} "
        "(referensnummer {reference}). Vi behöver lönebesked för de senaste tre månaderna för alla i "
        "hushållet som har en inkomst. Skicka dem senast {date}. Du kan skicka dem här i chatten när "
        "du har loggat in.\n\n{text}\n\nMed vänliga hälsningar\nKommunen",
    ),
    (
        "decision",
        "kl",
        "Boligsikring pillugu aalajangiineq",
        "{name}\n\nQinnuteqaatit boligsikring pillugu {period} (qinnuteqaatip normua: {reference}) "
        "{date} aalajangiiffigineqarpoq.\n\n{text}\n\nInussiarnersumik inuulluaqqusillunga\nKommuni",
    ),
    (
        "decision",
        "da",
        "Afgørelse om boligsikring",
        "Kære {name}\n\nDer er den {date} truffet afgørelse om din ansøgning om boligsikring for "
        "{period} (referencenummer {reference}).\n\n{text}\n\nMed venlig hilsen\nKommunen",
    ),
    (
        "decision",
        "sv",
        "Beslut om bostadsstöd",
        "Hej {name}\n\nDin ansökan om bostadsstöd (boligsikring) för {period} (referensnummer "
        "{reference}) har fått ett beslut den {date}.\n\n{text}\n\nMed vänliga hälsningar\nKommunen",
    ),
]


def upgrade() -> None:
    op.create_table(
        "journal_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_cpr", sa.String(length=10), nullable=False),
        sa.Column("application_reference", sa.String(length=20), nullable=True),
        sa.Column("caseworker_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["caseworker_id"],
            ["caseworkers.id"],
            name=op.f("fk_journal_notes_caseworker_id_caseworkers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_notes")),
    )
    with op.batch_alter_table("journal_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_journal_notes_person_cpr"), ["person_cpr"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_journal_notes_application_reference"), ["application_reference"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_journal_notes_created_at"), ["created_at"], unique=False)

    op.create_table(
        "case_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_reference", sa.String(length=20), nullable=False),
        sa.Column("person_cpr", sa.String(length=10), nullable=False),
        sa.Column("caseworker_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["caseworker_id"],
            ["caseworkers.id"],
            name=op.f("fk_case_tasks_caseworker_id_caseworkers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["caseworkers.id"],
            name=op.f("fk_case_tasks_created_by_caseworkers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["completed_by"],
            ["caseworkers.id"],
            name=op.f("fk_case_tasks_completed_by_caseworkers"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_tasks")),
    )
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_tasks_application_reference"), ["application_reference"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_tasks_person_cpr"), ["person_cpr"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_tasks_caseworker_id"), ["caseworker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_tasks_due"), ["due"], unique=False)

    templates = op.create_table(
        "letter_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_templates")),
        sa.UniqueConstraint("key", "language", name="uq_letter_templates_key_language"),
    )
    with op.batch_alter_table("letter_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_templates_language"), ["language"], unique=False)

    now = datetime.now(UTC)
    op.bulk_insert(
        templates,
        [
            {
                "key": key,
                "language": language,
                "title": title,
                "body": body,
                "created_at": now,
                "updated_at": now,
            }
            for key, language, title, body in SEED_TEMPLATES
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("letter_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_templates_language"))
    op.drop_table("letter_templates")
    with op.batch_alter_table("case_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_tasks_due"))
        batch_op.drop_index(batch_op.f("ix_case_tasks_caseworker_id"))
        batch_op.drop_index(batch_op.f("ix_case_tasks_person_cpr"))
        batch_op.drop_index(batch_op.f("ix_case_tasks_application_reference"))
    op.drop_table("case_tasks")
    with op.batch_alter_table("journal_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_journal_notes_created_at"))
        batch_op.drop_index(batch_op.f("ix_journal_notes_application_reference"))
        batch_op.drop_index(batch_op.f("ix_journal_notes_person_cpr"))
    op.drop_table("journal_notes")
