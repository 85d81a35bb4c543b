"""Development mode only: demo accounts `admin`, `caseworker1` (birthdays 01.05–09.09, designated for
the digest) and `caseworker2` (the rest of the year). Password and TOTP secret come from DEV_PASSWORD
and DEV_TOTP_SECRET when set, else are generated; they are printed at start."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.inbox.admin import create_caseworker, create_rule
from backend.inbox.credentials import hash_password, new_totp_secret
from backend.models.caseworkers import Caseworker

DEMO_ACCOUNTS = (
    ("admin", "administrator", False, "admin@kommune.example.gl"),
    ("caseworker1", "caseworker", True, "caseworker1@kommune.example.gl"),
    ("caseworker2", "caseworker", False, "caseworker2@kommune.example.gl"),
)


# argon2 is slow on purpose (about a second here); an instance (and a test run) starts many times with the
# same development password, so its hash is computed once per process: SHA-256 of password → hash.
_hashes: dict[str, str] = {}


def _demo_password_hash(password: str) -> str:
    key = hashlib.sha256(password.encode()).hexdigest()
    if key not in _hashes:
        _hashes[key] = hash_password(password)
    return _hashes[key]


async def ensure_demo_accounts(db: AsyncSession, settings: Settings) -> tuple[str, str]:
    """Create the demo accounts (or reset their password and secret when they exist). Commits."""
    password = settings.dev_password.reveal() if settings.dev_password else secrets.token_urlsafe(12)
    totp_secret = settings.dev_totp_secret.reveal().upper() if settings.dev_totp_secret else new_totp_secret()
    password_hash = _demo_password_hash(password)
    for username, role, digest, email in DEMO_ACCOUNTS:
        existing = (
            (await db.execute(select(Caseworker).where(Caseworker.username == username))).scalars().first()
        )
        if existing is not None:
            if (existing.password_hash, existing.totp_secret) != (password_hash, totp_secret):
                existing.password_hash = password_hash
                existing.totp_secret = totp_secret
                await db.commit()
            continue
        caseworker = await create_caseworker(
            db,
            username=username,
            password=password,
            role=role,
            email=email,
            totp_secret=totp_secret,
            designated_for_digest=digest,
            password_hash=password_hash,
        )
        if username == "caseworker1":
            await create_rule(db, start="01.05", end="09.09", caseworker_id=caseworker.id, actor="system")
        elif username == "caseworker2":
            await create_rule(db, start="10.09", end="30.04", caseworker_id=caseworker.id, actor="system")
    return password, totp_secret


async def start(app: Any) -> None:
    settings: Settings = app.ctx.settings
    if not settings.development:
        return
    async with app.ctx.sessions() as db:
        try:
            password, totp_secret = await ensure_demo_accounts(db, settings)
        except (IntegrityError, Exception) as exc:  # another instance creating them at the same moment
            await db.rollback()
            app.ctx.logger.warning("demo caseworkers not created: %s", type(exc).__name__)
            return
    print(  # development mode only, by design (issue 4)
        "Demo caseworkers (development mode): admin, caseworker1, caseworker2 — "
        f"password {password} — TOTP secret {totp_secret}",
        flush=True,
    )
