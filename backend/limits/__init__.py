"""Abuse limits: how often a session, an address, a phone or a person may do something.

A limit allows `count` hits per fixed window of `window_seconds` (a window starts at a multiple of
its length since the epoch). Counts are shared by every instance (backend/limits/storage.py). The
subject (a session, an address, a phone number, a CPR number) is stored only as a keyed hash.

    hit = await limits.hit(app, limits.chat_messages(settings), session_id)
    if not hit.allowed: ...
    await limits.enforce(app, limits.chat_messages(settings), session_id, message=text)  # or 429
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from sanic import Sanic

from backend.config import Settings
from backend.errors import RateLimited
from backend.limits.address import client_address, proxy_config
from backend.limits.storage import close, counters_for

MINUTE = 60
DAY = 24 * 60 * 60
clock = time.time  # the time windows are measured by (tests fix it)

__all__ = [
    "DAY",
    "MINUTE",
    "Hit",
    "Limit",
    "applications",
    "chat_messages",
    "citizen_messages",
    "client_address",
    "enforce",
    "handoffs",
    "hit",
    "inbound_turns",
    "new_sessions",
    "proxy_config",
]


@dataclass(frozen=True)
class Limit:
    name: str
    count: int  # hits allowed per window; 0 or less: no limit
    window_seconds: int


@dataclass(frozen=True)
class Hit:
    limit: Limit
    count: int  # hits in this window so far, this one included (0: not counted)
    retry_after: int  # seconds until the window ends

    @property
    def allowed(self) -> bool:
        return self.limit.count <= 0 or self.count <= self.limit.count

    @property
    def first_refused(self) -> bool:
        """The first hit over the limit in this window (exactly one per window, across instances)."""
        return self.limit.count > 0 and self.count == self.limit.count + 1


def chat_messages(settings: Settings) -> Limit:
    return Limit("chat", settings.chat_messages_per_minute, MINUTE)


def new_sessions(settings: Settings) -> Limit:
    return Limit("session", settings.new_sessions_per_minute, MINUTE)


def inbound_turns(settings: Settings) -> Limit:
    return Limit("inbound", settings.inbound_turns_per_minute, MINUTE)


def handoffs(settings: Settings) -> Limit:
    return Limit("handoff", settings.handoffs_per_day, DAY)


def citizen_messages(settings: Settings) -> Limit:
    return Limit("message", settings.citizen_messages_per_day, DAY)


def applications(settings: Settings) -> Limit:
    return Limit("apply", settings.applications_per_day, DAY)


async def hit(app: Sanic, limit: Limit, subject: str, *, at: float | None = None) -> Hit:
    """Count one hit of `subject` against `limit` (now, or `at` seconds since the epoch)."""
    if limit.count <= 0:
        return Hit(limit, 0, 0)
    now = clock() if at is None else at
    window_start = int(now // limit.window_seconds) * limit.window_seconds
    key = f"{limit.name}:{_digest(app.ctx.settings, subject)}"
    count = await counters_for(app).increment(key, window_start, limit.window_seconds, now)
    return Hit(limit, count, max(1, math.ceil(window_start + limit.window_seconds - now)))


async def enforce(app: Sanic, limit: Limit, subject: str, *, message: str) -> Hit:
    """Count one hit; over the limit raise RateLimited (429, `Retry-After`) with `message`."""
    result = await hit(app, limit, subject)
    if not result.allowed:
        raise RateLimited(message, retry_after=result.retry_after)
    return result


def _digest(settings: Settings, subject: str) -> str:
    """A keyed hash: the counters never hold a phone number, CPR number or address in clear."""
    key = b"inissiaq-limits:" + settings.internal_secret.reveal().encode("utf-8")
    return hmac.new(key, subject.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


async def start(app: Sanic) -> None:
    counters_for(app)


async def stop(app: Sanic) -> None:
    await close(app)
