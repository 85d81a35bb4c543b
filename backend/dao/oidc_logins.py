"""The eID logins in flight (`oidc_logins`). Never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.oidc import OidcLogin


async def dao_create_oidc_login(db: AsyncSession, login: OidcLogin) -> OidcLogin:
    db.add(login)
    await db.flush()
    return login


async def dao_take_oidc_login(db: AsyncSession, state_hash: str) -> OidcLogin | None:
    """Remove and return the login with this state: of two callbacks with one state only one gets it."""
    result = await db.execute(
        delete(OidcLogin).where(OidcLogin.state_hash == state_hash).returning(OidcLogin)
    )
    return result.scalars().one_or_none()


async def dao_delete_expired_oidc_logins(db: AsyncSession, now: datetime) -> None:
    await db.execute(delete(OidcLogin).where(OidcLogin.expires_at <= now))
