"""Credentials below the HTTP layer: argon2 password hashes, TOTP secrets, SHA-256 hashes of tokens,
and the throttle of failed logins counted in the database (shared by every backend instance). Used by
the caseworker login (`auth.py`), the administration of caseworkers (`admin.py`, `demo.py`) and the
machine clients' token endpoint (`backend/machine/clients.py`)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.errors import TooManyRequests
from backend.inbox.i18n import N_
from backend.models.caseworkers import LoginThrottle

_hasher = PasswordHasher()
# Verifying against a dummy hash when the user is unknown keeps the answer time the same.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_totp_secret() -> str:
    return pyotp.random_base32()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- rate limit --------------------------------------------------------------------------------


async def check_throttle(db: AsyncSession, keys: list[str], settings: Settings) -> None:
    """TooManyRequests when any key had too many failures in the current window."""
    now = datetime.now(UTC)
    window = timedelta(minutes=settings.login_window_minutes)
    rows = (await db.execute(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))).scalars().all()
    for row in rows:
        if as_utc(row.window_started_at) + window > now and row.failures >= settings.login_max_failures:
            raise TooManyRequests(N_("too many failed logins; try again later"))


async def record_failure(db: AsyncSession, keys: list[str], settings: Settings) -> None:
    """Count one failure for each key (atomic increments; a new window starts when the old one ended).
    Commits, because the failed login itself is rolled back."""
    now = datetime.now(UTC)
    window_start = now - timedelta(minutes=settings.login_window_minutes)
    for key in keys:
        for _attempt in range(3):
            reset = await db.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key, LoginThrottle.window_started_at <= window_start)
                .values(window_started_at=now, failures=1)
            )
            if reset.rowcount:
                break
            counted = await db.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(failures=LoginThrottle.failures + 1)
            )
            if counted.rowcount:
                break
            try:
                async with db.begin_nested():
                    db.add(LoginThrottle(key=key, window_started_at=now, failures=1))
                break
            except IntegrityError:
                continue  # another instance created it at the same moment: count again
    await db.commit()


async def clear_failures(db: AsyncSession, keys: list[str]) -> None:
    await db.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
