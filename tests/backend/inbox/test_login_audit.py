"""Refused caseworker logins are audited with the username and address, never the password or code."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit_chain import verify
from backend.inbox.pages import LOGIN_CSRF_COOKIE
from backend.models.audit import AuditEntry
from tests.backend.inbox.factories import PASSWORD, create_caseworker, next_code


async def refused(db: AsyncSession) -> list[AuditEntry]:
    db.expunge_all()
    query = select(AuditEntry).where(AuditEntry.action.like("caseworker_login_%")).order_by(AuditEntry.id)
    return list((await db.execute(query)).scalars().all())


async def test_a_wrong_password_and_an_unknown_username_are_audited_without_the_password(
    app, db: AsyncSession
) -> None:
    caseworker = await create_caseworker(db)
    for username, password in (("Pipaluk", "Secret-guess-1"), ("nobody", "Secret-guess-2")):
        _, response = await app.asgi_client.post(
            "/api/caseworker/login", json={"username": username, "password": password, "totp": "123456"}
        )
        assert response.status == 401
    entries = await refused(db)
    assert [(e.action, e.actor, e.details["username"], e.details["reason"]) for e in entries] == [
        ("caseworker_login_failed", "anonymous", "pipaluk", "wrong_password"),
        ("caseworker_login_failed", "anonymous", "nobody", "unknown_username"),
    ]
    assert entries[0].details["caseworker_id"] == caseworker.id
    assert entries[0].details["address"]
    stored = json.dumps([e.details for e in entries])
    assert "Secret-guess" not in stored and "123456" not in stored


async def test_a_wrong_second_factor_is_audited_without_the_code(app, db: AsyncSession) -> None:
    await create_caseworker(db)
    wrong = f"{(int(next_code(app, 'pipaluk')) + 1) % 1_000_000:06d}"
    _, response = await app.asgi_client.post(
        "/api/caseworker/login", json={"username": "pipaluk", "password": PASSWORD, "totp": wrong}
    )
    assert response.status == 401
    _, response = await app.asgi_client.post(
        "/api/caseworker/login", json={"username": "pipaluk", "password": PASSWORD}
    )
    assert response.status == 401
    entries = await refused(db)
    assert [e.details["reason"] for e in entries] == ["wrong_totp", "no_second_factor"]
    stored = json.dumps([e.details for e in entries])
    assert wrong not in stored and PASSWORD not in stored


async def test_a_locked_out_login_is_audited_and_the_log_stays_intact(app, db: AsyncSession) -> None:
    await create_caseworker(db)
    for _ in range(5):
        await app.asgi_client.post(
            "/api/caseworker/login", json={"username": "pipaluk", "password": "guess", "totp": "1"}
        )
    _, response = await app.asgi_client.post(
        "/api/caseworker/login",
        json={"username": "pipaluk", "password": PASSWORD, "totp": next_code(app, "pipaluk")},
    )
    assert response.status == 429
    entries = await refused(db)
    assert [e.action for e in entries] == ["caseworker_login_failed"] * 5 + ["caseworker_login_locked_out"]
    assert entries[-1].details["reason"] == "locked_out"
    assert (await verify(db)).intact


async def test_a_refused_login_on_the_inbox_page_is_audited(app, db: AsyncSession) -> None:
    await create_caseworker(db)
    _, form = await app.asgi_client.get("/inbox/login")
    csrf = form.cookies.get(LOGIN_CSRF_COOKIE)
    assert csrf
    _, response = await app.asgi_client.post(
        "/inbox/login",
        data={"username": "pipaluk", "password": "wrong", "totp": "000000", "csrf_token": csrf},
        headers={"cookie": f"{LOGIN_CSRF_COOKIE}={csrf}"},
    )
    assert response.status == 401
    assert [e.details["reason"] for e in await refused(db)] == ["wrong_password"]
