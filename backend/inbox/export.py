"""The export of a taken-over application for the case system: JSON, and a PDF (fpdf2) with the same
content. Both include the journaled secure messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.documents.service import attachment_record, attachments_of
from backend.inbox.applications import iso
from backend.inbox.casework import notes_for_application
from backend.inbox.i18n import (
    CHANNEL_WORDS,
    CITIZEN_LANGUAGE_WORDS,
    CONTENT_TYPE_WORDS,
    DECISION_WORDS,
    FILE,
    SECTION_WORDS,
    SENDER_WORDS,
    STATUS_WORDS,
    _,
    format_amount,
    format_date,
    format_datetime,
    format_list,
    format_number,
    format_period,
    ngettext,
    or_not_given,
    use_language,
    word,
    word_or,
    yes_no,
)
from backend.messaging.service import journaled_messages
from backend.models.applications import Application
from backend.models.caseworkers import Caseworker
from backend.pdf import PdfDocument


async def export_record(db: AsyncSession, application: Application) -> dict[str, Any]:
    taken_over_by = await db.get(Caseworker, application.taken_over_by) if application.taken_over_by else None
    return {
        "format": "inissiaq-application/1",
        "reference": application.reference,
        "cpr": application.person_cpr,
        "period": application.period,
        "status": application.status,
        "submitted_at": iso(application.submitted_at),
        "language": application.language,
        "channel": application.channel,
        "phone": application.phone_e164,
        "snapshot": application.snapshot,
        "confirmations": {
            "dwelling": application.dwelling_confirmed,
            "household": application.household_confirmed,
        },
        "corrections": application.corrections,
        "taken_over_at": iso(application.taken_over_at),
        "taken_over_by": taken_over_by.username if taken_over_by else None,
        "decision": application.decision,
        "decided_on": application.decided_on.isoformat() if application.decided_on else None,
        "journaled_messages": [
            {"from": m["from"], "text": m["text"], "sent_at": m["sent_at"], "read_at": m["read_at"]}
            for m in await journaled_messages(db, application.person_cpr, application.reference)
        ],
        # The documents' manifest; the PDF export appends the documents themselves.
        "attachments": [attachment_record(a) for a in await attachments_of(db, application.reference)],
        # The application's journal notes and the person's own (application_reference null).
        "notes": await notes_for_application(db, application),
    }


def export_pdf(record: dict[str, Any], language: str | None = None) -> bytes:
    """The PDF in `language` (da, kl or en; Danish by default): labels, codes as words, the period as
    a month, dates in Greenland time, amounts; an empty field reads "not given"."""
    with use_language(language):
        return _pdf(record)


def _pdf(record: dict[str, Any]) -> bytes:
    document = PdfDocument()

    def line(label: str, value: object = "", size: int = 10) -> None:
        document.line(label, or_not_given(value) if label else value, size=size)

    snapshot = record["snapshot"] or {}
    tenant, dwelling = snapshot.get("tenant") or {}, snapshot.get("dwelling") or {}
    # NOTE: Title of the exported PDF of an application. {reference} is its reference number.
    line("", _("Housing benefit {reference}", reference=record["reference"]), size=14)
    line(_("CPR number"), record["cpr"])
    line(_("Name"), tenant.get("name"))
    line(_("Period"), format_period(record["period"]))
    line(_("Submitted"), format_datetime(record["submitted_at"]))
    line(_("Status"), word(STATUS_WORDS, record["status"]))
    line(_("Language"), word(CITIZEN_LANGUAGE_WORDS, record["language"]))
    line(_("Channel"), word(CHANNEL_WORDS, record["channel"]))
    line(_("Phone"), record["phone"])
    line(_("Address"), dwelling.get("address"))
    rooms = dwelling.get("rooms")
    line(_("Rooms"), format_number(rooms) if isinstance(rooms, int) else rooms)
    line(_("Rent per month"), format_amount(dwelling.get("rent_monthly")))
    line(_("Landlord"), dwelling.get("landlord"))
    line(_("Moved in"), format_date(dwelling.get("move_in")))
    line(_("Tenant number"), dwelling.get("tenant_number"))
    line(_("Household"), format_list(m.get("name", "") for m in snapshot.get("household") or []))
    line(_("Dwelling confirmed"), _confirmed(record["confirmations"]["dwelling"]))
    line(_("Household confirmed"), _confirmed(record["confirmations"]["household"]))
    for correction in record["corrections"] or []:
        section = word(SECTION_WORDS, correction.get("section"))
        line(_("Correction ({section})", section=section), correction.get("text"))
    if record["taken_over_at"]:
        when = format_datetime(record["taken_over_at"])
        # A case system's take-over or decision has no caseworker: the time alone.
        who = record["taken_over_by"]
        line(_("Taken over"), _("{when} by {who}", when=when, who=who) if who else when)
    if record["decision"]:
        line(
            _("Decision"), f"{word(DECISION_WORDS, record['decision'])}, {format_date(record['decided_on'])}"
        )
    line("", _("Journaled messages"), size=12)
    if not record["journaled_messages"]:
        line("", _("none"))
    for message in record["journaled_messages"]:
        line(f"{format_datetime(message['sent_at'])}, {word(SENDER_WORDS, message['from'])}", message["text"])
    line("", _("Journal notes"), size=12)
    if not record.get("notes"):
        line("", _("none"))
    for note in record.get("notes") or []:
        line(f"{format_datetime(note['created_at'])}, {or_not_given(note['caseworker'])}", note["text"])
    line("", _("Documents (appended after this page)"), size=12)
    if not record.get("attachments"):
        line("", _("none"))
    for document_record in record.get("attachments") or []:
        # NOTE: The size of a document in the exported PDF's list of documents.
        size = ngettext("{count} byte", "{count} bytes", document_record["size"])
        kind = word_or(CONTENT_TYPE_WORDS, document_record["content_type"], FILE)
        line(
            f"{format_datetime(document_record['received_at'])}, {kind}",
            f"{document_record['filename']} ({size})",
        )
    return document.output()


def _confirmed(value: bool | None) -> str:
    return _("not answered") if value is None else yes_no(value)
