"""`inissiaq clients create|rotate|revoke|list|webhook`: machine clients (case systems) of the API.

Secrets are printed once, when made; only their hashes are kept. Each change is audited (actor `cli`).
"""

from __future__ import annotations

import argparse

from sqlalchemy.ext.asyncio import AsyncSession

from backend.cli.common import run_with_session
from backend.config import Settings
from backend.errors import DomainError
from backend.machine import clients as machine

ACTOR = "cli"


def register(subparsers: argparse._SubParsersAction) -> None:
    clients = subparsers.add_parser("clients", help="machine clients (case systems) of the caseworker API")
    actions = clients.add_subparsers(dest="clients_command", required=True, metavar="ACTION")
    creating = actions.add_parser("create", help="a new client; prints its id and secret once")
    creating.add_argument("--name", required=True)
    creating.add_argument(
        "--scopes", required=True, help=f"space- or comma-separated: {' '.join(machine.SCOPES)}"
    )
    creating.set_defaults(handler=run_create)
    rotating = actions.add_parser("rotate", help="a new secret (printed once); old tokens stop working")
    rotating.add_argument("client_id")
    rotating.set_defaults(handler=run_rotate)
    revoking = actions.add_parser("revoke", help="the client can no longer get or use tokens")
    revoking.add_argument("client_id")
    revoking.set_defaults(handler=run_revoke)
    listing = actions.add_parser("list", help="every client with its scopes and state")
    listing.set_defaults(handler=run_list)
    webhook = actions.add_parser("webhook", help="set (prints the signing secret once) or --remove a webhook")
    webhook.add_argument("client_id")
    group = webhook.add_mutually_exclusive_group(required=True)
    group.add_argument("--url")
    group.add_argument("--remove", action="store_true")
    webhook.set_defaults(handler=run_webhook)


def _run(settings: Settings, work) -> int:  # type: ignore[no-untyped-def]
    try:
        run_with_session(settings, work)
    except DomainError as error:
        print(f"error: {error}")
        return 1
    return 0


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    async def work(db: AsyncSession) -> None:
        scopes = args.scopes.replace(",", " ")
        client, secret = await machine.create_client(db, name=args.name, scopes=scopes, actor=ACTOR)
        print(f"client_id: {client.id}")
        print(f"client_secret: {secret}")
        print(f"scopes: {client.scopes}")
        print("The secret is shown only now; keep it in the case system's secret store.")

    return _run(settings, work)


def run_rotate(args: argparse.Namespace, settings: Settings) -> int:
    async def work(db: AsyncSession) -> None:
        client, secret = await machine.rotate_secret(db, args.client_id, actor=ACTOR)
        print(f"client_id: {client.id}")
        print(f"client_secret: {secret}")

    return _run(settings, work)


def run_revoke(args: argparse.Namespace, settings: Settings) -> int:
    async def work(db: AsyncSession) -> None:
        client = await machine.revoke_client(db, args.client_id, actor=ACTOR)
        print(f"revoked: {client.id} ({client.name})")

    return _run(settings, work)


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    async def work(db: AsyncSession) -> None:
        for client in await machine.list_clients(db):
            state = "active" if client.active else "revoked"
            webhook = client.webhook_url or "-"
            print(f"{client.id}\t{client.name}\t{client.scopes}\t{state}\twebhook: {webhook}")

    return _run(settings, work)


def run_webhook(args: argparse.Namespace, settings: Settings) -> int:
    async def work(db: AsyncSession) -> None:
        url = None if args.remove else args.url
        client, secret = await machine.set_webhook(db, args.client_id, url, actor=ACTOR)
        if secret:
            print(f"webhook_url: {client.webhook_url}")
            print(f"webhook_secret: {secret}")
        else:
            print(f"webhook removed: {client.id}")

    return _run(settings, work)
