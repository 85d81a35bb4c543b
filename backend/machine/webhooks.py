"""Webhooks: each feed change pushed to the clients that registered a URL, through the outbox.

The change is queued as an outbox message (channel `webhook`, recipient the client id) in the
changing transaction, so it leaves exactly when the change is committed, in order per client, retried
with the outbox's backoff. The body is the feed item (reference, change, status, time, cursor): no
more personal data than the feed; the case system fetches details with its token.

Signature (documented in docs/api.md): header `X-Inissiaq-Signature: t=<unix seconds>,v1=<hex>`,
where hex is HMAC-SHA256 with the client's webhook secret over `<t>.<raw body>`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.machine_clients import ApplicationChange, MachineClient

CHANNEL = "webhook"
KIND = "application_change"
SIGNATURE_HEADER = "X-Inissiaq-Signature"
DELIVERY_HEADER = "X-Inissiaq-Delivery"
TOLERANCE_SECONDS = 300  # receivers should refuse older timestamps (replays)


def body_for(change: ApplicationChange) -> str:
    from backend.applications.changes import change_record

    return json.dumps({"type": "application.changed", **change_record(change)}, separators=(",", ":"))


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, now: float | None = None) -> str:
    timestamp = int(now if now is not None else time.time())
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """What a receiver does (docs/api.md): recompute, compare in constant time, refuse old timestamps."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not fields.get("t", "").isdigit() or "v1" not in fields:
        return False
    timestamp = int(fields["t"])
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), fields["v1"])


async def queue_deliveries(db: AsyncSession, change: ApplicationChange) -> int:
    """One outbox message per active client with a webhook and `applications:read`. Flushed."""
    from backend.outbox.service import enqueue

    clients = (
        await db.execute(
            select(MachineClient).where(
                MachineClient.active.is_(True), MachineClient.webhook_url.is_not(None)
            )
        )
    ).scalars()
    body, count = body_for(change), 0
    for client in clients:
        if "applications:read" in scope_to_list(client.scopes):
            await enqueue(db, channel=CHANNEL, to=client.id, text=body, kind=KIND)
            count += 1
    return count
