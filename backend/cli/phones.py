"""`inissiaq bind-phone` / `unbind-phone`: a caseworker registers (or removes) a citizen's phone
number after checking identity in person (seed 002, "Inläggning av sökande"), for citizens without
eID. Recorded in the audit log with the caseworker's name."""

from __future__ import annotations

import argparse
import sys

from sqlalchemy.ext.asyncio import AsyncSession

from backend.channels.binding import bind_phone, unbind_address
from backend.cli.common import run_with_session
from backend.config import Settings
from backend.cpr import mask_cpr, normalise_cpr
from backend.dao.registers import dao_get_person
from backend.phones import format_phone, normalise_phone


def register(subparsers: argparse._SubParsersAction) -> None:
    bind = subparsers.add_parser(
        "bind-phone", help="bind a phone number to a person (identity checked in person)"
    )
    bind.add_argument("--cpr", required=True)
    bind.add_argument("--phone", required=True, help="e.g. +299 55 12 34")
    bind.add_argument("--by", default="cli", help="who checked the identity (for the audit log)")
    bind.set_defaults(handler=run_bind)
    unbind = subparsers.add_parser("unbind-phone", help="remove a phone number's binding")
    unbind.add_argument("--phone", required=True)
    unbind.add_argument("--by", default="cli")
    unbind.set_defaults(handler=run_unbind)


def run_bind(args: argparse.Namespace, settings: Settings) -> int:
    cpr, phone = normalise_cpr(args.cpr), normalise_phone(args.phone)
    if cpr is None or phone is None:
        print(
            "error: --cpr must be a CPR number and --phone a Greenlandic, Danish or Swedish number",
            file=sys.stderr,
        )
        return 2

    async def work(db: AsyncSession) -> bool:
        if await dao_get_person(db, cpr) is None:
            return False
        await bind_phone(db, cpr, phone, settings, actor=f"caseworker:{args.by}")
        await db.commit()
        return True

    if not run_with_session(settings, work):
        print("error: no such person in the register", file=sys.stderr)
        return 1
    print(f"{format_phone(phone)} bound to {mask_cpr(cpr)} for {settings.sms_binding_hours} hours")
    return 0


def run_unbind(args: argparse.Namespace, settings: Settings) -> int:
    phone = normalise_phone(args.phone)
    if phone is None:
        print("error: --phone must be a Greenlandic, Danish or Swedish number", file=sys.stderr)
        return 2

    async def work(db: AsyncSession) -> int:
        count = await unbind_address(db, "sms", phone, actor=f"caseworker:{args.by}")
        await db.commit()
        return count

    print(f"{run_with_session(settings, work)} conversation(s) unbound")
    return 0
