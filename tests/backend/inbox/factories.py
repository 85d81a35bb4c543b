"""Caseworkers and their sessions, made through the product's own admin service and login API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyotp
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.admin import create_caseworker as admin_create_caseworker
from backend.inbox.auth import COOKIE
from backend.models.caseworkers import Caseworker

PASSWORD = "correct horse battery"
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


async def create_caseworker(
    db: AsyncSession,
    *,
    username: str = "pipaluk",
    role: str = "caseworker",
    email: str | None = None,
    designated_for_digest: bool = False,
    phone: str | None = None,
) -> Caseworker:
    return await admin_create_caseworker(
        db,
        username=username,
        password=PASSWORD,
        role=role,
        email=email,
        phone=phone,
        totp_secret=SECRET,
        designated_for_digest=designated_for_digest,
    )


@dataclass(frozen=True)
class Session:
    caseworker_id: int
    token: str
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        """Cookie and CSRF header, as the inbox pages send them."""
        return {"cookie": f"{COOKIE}={self.token}", "x-csrf-token": self.csrf}

    @property
    def cookie_only(self) -> dict[str, str]:
        return {"cookie": f"{COOKIE}={self.token}"}


def next_code(app, username: str) -> str:  # type: ignore[no-untyped-def]
    """A TOTP code newer than the last one this test used for `username` (the backend accepts a code
    once, and only a newer one after it): the current and the next time step are valid even if the
    clock crosses a step boundary meanwhile, so a test may log the same caseworker in twice."""
    used: dict[str, int] = getattr(app.ctx, "totp_offsets", {})
    app.ctx.totp_offsets = used
    used[username] = offset = used.get(username, -1) + 1
    assert offset <= 1, "more than two logins of one caseworker in one test"
    return pyotp.TOTP(SECRET).at(datetime.now(UTC), counter_offset=offset)


async def log_in(app, username: str = "pipaluk", password: str = PASSWORD) -> Session:  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.post(
        "/api/caseworker/login",
        json={"username": username, "password": password, "totp": next_code(app, username)},
    )
    assert response.status == 200, response.text
    return Session(response.json["caseworker"]["id"], response.cookies[COOKIE], response.json["csrf_token"])
