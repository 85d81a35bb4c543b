"""`inissiaq drafts list [--json]`: every unsent draft (kladde). Each listing is audited.

Submitted applications are listed by `inissiaq applications list`, never here; drafts never there.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications.drafts import local_day, retention
from backend.applications.service import as_utc
from backend.cli.common import run_with_session
from backend.config import Settings
from backend.cpr import mask_cpr
from backend.dao.drafts import dao_get_open_drafts
from backend.models.applications import Draft


def register(subparsers: argparse._SubParsersAction) -> None:
    drafts = subparsers.add_parser("drafts", help="unsent drafts (kladder)")
    actions = drafts.add_subparsers(dest="drafts_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="print every unsent draft")
    listing.add_argument("--json", action="store_true", help="machine-readable JSON")
    listing.set_defaults(handler=list_drafts)


def draft_record(draft: Draft, settings: Settings) -> dict[str, Any]:
    last_activity = as_utc(draft.last_step_at or draft.created_at)
    return {
        "reference": draft.reference,
        "cpr": draft.person_cpr,
        "month": draft.period,
        "created_at": as_utc(draft.created_at).isoformat(),
        "started_on": local_day(draft.created_at, settings).isoformat(),
        "last_step": draft.last_step,
        "last_step_at": _iso(draft.last_step_at),
        "expires_at": (last_activity + retention(settings)).isoformat(),
    }


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment is not None else None


async def fetch_and_audit(db: AsyncSession, settings: Settings) -> list[dict[str, Any]]:
    """Read every unsent draft and record one audit entry per draft shown."""
    records = []
    for draft in await dao_get_open_drafts(db):
        records.append(draft_record(draft, settings))
        await audit.record(
            db,
            actor="cli",
            action="draft_listed",
            person_cpr=draft.person_cpr,
            details={"draft": draft.reference},
        )
    await db.commit()
    return records


def list_drafts(args: argparse.Namespace, settings: Settings) -> int:
    records = run_with_session(settings, lambda db: fetch_and_audit(db, settings))
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    for record in records:
        print(
            f"{record['reference']}  {mask_cpr(record['cpr'])}  {record['month']}  {record['created_at']}  "
            f"{record['last_step'] or '-':<20}  {record['last_step_at'] or '-'}"
        )
    if not records:
        print("no drafts")
    return 0
