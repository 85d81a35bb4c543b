"""`inissiaq applications list [--json]`: every application, as submitted. Each listing is audited."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications.service import as_utc
from backend.cli.common import run_with_session
from backend.config import Settings
from backend.cpr import mask_cpr
from backend.dao.applications import dao_get_applications
from backend.models.applications import Application


def register(subparsers: argparse._SubParsersAction) -> None:
    applications = subparsers.add_parser("applications", help="submitted applications")
    actions = applications.add_subparsers(dest="applications_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="print every application")
    listing.add_argument("--json", action="store_true", help="machine-readable JSON with full details")
    listing.set_defaults(handler=list_applications)


def application_record(application: Application) -> dict[str, Any]:
    return {
        "reference": application.reference,
        "cpr": application.person_cpr,
        "month": application.period,
        "status": application.status,
        "decision": application.decision,
        "decided_on": application.decided_on.isoformat() if application.decided_on else None,
        "submitted_at": as_utc(application.submitted_at).isoformat(),
        "language": application.language,
        "channel": application.channel,
        "phone": application.phone_e164,
        "snapshot": application.snapshot,
        "confirmations": {
            "dwelling": application.dwelling_confirmed,
            "household": application.household_confirmed,
        },
        "corrections": application.corrections,
    }


async def fetch_and_audit(db: AsyncSession) -> list[dict[str, Any]]:
    """Read every application and record one audit entry per application shown."""
    records = []
    for application in await dao_get_applications(db):
        records.append(application_record(application))
        await audit.record(
            db,
            actor="cli",
            action="application_listed",
            person_cpr=application.person_cpr,
            application_reference=application.reference,
        )
    await db.commit()
    return records


def list_applications(args: argparse.Namespace, settings: Settings) -> int:
    records = run_with_session(settings, fetch_and_audit)
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    for record in records:
        print(
            f"{record['reference']}  {mask_cpr(record['cpr'])}  {record['month']}  {record['status']:<10}  "
            f"{record['submitted_at']}  {record['channel']:<8}  {record['language']}"
        )
    if not records:
        print("no applications")
    return 0
