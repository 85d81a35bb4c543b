"""The export of a taken-over application for the case system: JSON, and a PDF (fpdf2) with the same
content. Both include the journaled secure messages."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.applications import iso
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
    }


def export_pdf(record: dict[str, Any]) -> bytes:
    document = PdfDocument()
    line = document.line

    snapshot = record["snapshot"] or {}
    tenant, dwelling = snapshot.get("tenant") or {}, snapshot.get("dwelling") or {}
    line("", f"Boligsikring {record['reference']}", size=14)
    line("CPR", record["cpr"])
    line("Name", tenant.get("name"))
    line("Period", record["period"])
    line("Submitted", record["submitted_at"])
    line("Status", record["status"])
    line("Language / channel", f"{record['language']} / {record['channel']}")
    line("Phone", record["phone"])
    line("Address", dwelling.get("address"))
    line("Rooms", dwelling.get("rooms"))
    line("Rent per month", dwelling.get("rent_monthly"))
    line("Landlord", dwelling.get("landlord"))
    line("Moved in", dwelling.get("move_in"))
    line("Tenant number", dwelling.get("tenant_number"))
    line("Household", ", ".join(m.get("name", "") for m in snapshot.get("household") or []))
    line("Dwelling confirmed", record["confirmations"]["dwelling"])
    line("Household confirmed", record["confirmations"]["household"])
    for correction in record["corrections"] or []:
        line(f"Correction ({correction.get('section')})", correction.get("text"))
    line("Taken over", f"{record['taken_over_at']} by {record['taken_over_by']}")
    if record["decision"]:
        line("Decision", f"{record['decision']} {record['decided_on']}")
    line("", "Journaled messages", size=12)
    for message in record["journaled_messages"]:
        line(f"{message['sent_at']} {message['from']}", message["text"])
    return document.output()
