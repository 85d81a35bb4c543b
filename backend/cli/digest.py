"""`inissiaq digest --now`: the weekday digest check at once; prints how many e-mails it queued."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.cli.common import run_with_session
from backend.config import Settings
from backend.scheduler import send_digest


def register(subparsers: argparse._SubParsersAction) -> None:
    digest = subparsers.add_parser("digest", help="e-mail designated caseworkers when applications wait")
    digest.add_argument("--now", action="store_true", required=True, help="run the check now")
    digest.set_defaults(handler=run_digest)


def run_digest(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)

    async def work(db: AsyncSession) -> int:
        # A slot of its own: an operator's run never blocks or repeats the scheduled 09:00 one.
        return await send_digest(db, settings, slot=f"manual:{now.isoformat()}", now=now)

    sent = run_with_session(settings, work)
    print(f"{sent} e-mail(s) sent")
    return 0
