"""`inissiaq audit verify`: check the audit log's hash chain; exit status 1 naming the first broken entry."""

from __future__ import annotations

import argparse

from backend.audit_chain import verify
from backend.cli.common import run_with_session
from backend.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    audit = subparsers.add_parser("audit", help="the audit log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verifying = actions.add_parser(
        "verify", help="check that no audit entry was changed, deleted or inserted (exit 1 if one was)"
    )
    verifying.set_defaults(handler=run_verify)


def run_verify(args: argparse.Namespace, settings: Settings) -> int:
    outcome = run_with_session(settings, verify)
    if outcome.intact:
        print(f"audit log intact: {outcome.entries} entries; head {outcome.head_id} {outcome.head_hash}")
        return 0
    print(f"audit log broken at entry {outcome.broken_id}: {outcome.problem}")
    return 1
