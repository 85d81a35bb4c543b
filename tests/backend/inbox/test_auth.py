from dataclasses import replace
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.inbox.auth import COOKIE
from backend.models.outbox import OutboxMessage
from tests.backend.inbox.factories import PASSWORD, SECRET, create_caseworker, log_in, next_code


async def test_a_caseworker_logs_in_with_password_and_totp_and_gets_a_strict_httponly_cookie(
    app, db: AsyncSession
) -> None:
    await create_caseworker(db)
    _, response = await app.asgi_client.post(
        "/api/caseworker/login",
        json={"username": "pipaluk", "password": PASSWORD, "totp": next_code(app, "pipaluk")},
    )
    assert response.status == 200
    cookie = response.headers["set-cookie"].lower()
    assert f"{COOKIE}=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert response.json["csrf_token"]


@pytest.mark.parametrize(
    "body",
    [
        {"username": "pipaluk", "password": "wrong password", "totp": "000000"},
        {"username": "pipaluk", "password": PASSWORD, "totp": "000000"},
        {"username": "pipaluk", "password": PASSWORD},
        {"username": "nobody", "password": PASSWORD, "totp": "123456"},
    ],
)
async def test_a_wrong_password_or_second_factor_is_401(app, db: AsyncSession, body: dict) -> None:
    await create_caseworker(db)
    _, response = await app.asgi_client.post("/api/caseworker/login", json=body)
    assert response.status == 401
    assert COOKIE not in response.cookies


async def test_logins_are_rate_limited_after_five_failures_even_with_the_right_password(
    app, db: AsyncSession
) -> None:
    await create_caseworker(db)
    for _ in range(5):
        _, response = await app.asgi_client.post(
            "/api/caseworker/login", json={"username": "pipaluk", "password": "guess", "totp": "1"}
        )
        assert response.status == 401
    _, response = await app.asgi_client.post(
        "/api/caseworker/login",
        json={"username": "pipaluk", "password": PASSWORD, "totp": next_code(app, "pipaluk")},
    )
    assert response.status == 429


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/caseworker/applications"),
        ("get", "/api/caseworker/applications/BS-1"),
        ("post", "/api/caseworker/applications/BS-1/take-over"),
        ("post", "/api/caseworker/messages"),
        ("get", "/api/caseworker/messages?cpr=0708861234"),
        ("get", "/api/caseworker/live"),
        ("get", "/api/caseworker/admin/caseworkers"),
        ("get", "/api/caseworker/admin/audit"),
        ("get", "/api/caseworker/events"),
    ],
)
async def test_every_caseworker_route_is_401_without_a_session(app, method: str, path: str) -> None:
    _, response = await getattr(app.asgi_client, method)(path, headers={"cookie": f"{COOKIE}=forged"})
    assert response.status == 401


async def test_an_admin_route_is_403_for_a_caseworker_and_200_for_an_administrator(
    app, db: AsyncSession
) -> None:
    await create_caseworker(db, username="pipaluk")
    await create_caseworker(db, username="boss", role="administrator")
    caseworker = await log_in(app, "pipaluk")
    administrator = await log_in(app, "boss")
    _, forbidden = await app.asgi_client.get("/api/caseworker/admin/audit", headers=caseworker.headers)
    _, allowed = await app.asgi_client.get("/api/caseworker/admin/audit", headers=administrator.headers)
    assert forbidden.status == 403
    assert allowed.status == 200


async def test_a_post_without_the_csrf_token_is_rejected(app, db: AsyncSession) -> None:
    await create_caseworker(db)
    session = await log_in(app)
    _, without = await app.asgi_client.post(
        "/api/caseworker/messages", json={"cpr": "0708861234", "text": "hi"}, headers=session.cookie_only
    )
    _, wrong = await app.asgi_client.post(
        "/api/caseworker/messages",
        json={"cpr": "0708861234", "text": "hi"},
        headers={**session.cookie_only, "x-csrf-token": "forged"},
    )
    assert without.status == 403 and without.json["error"] == "csrf"
    assert wrong.status == 403


async def test_after_logout_the_session_no_longer_works(app, db: AsyncSession) -> None:
    await create_caseworker(db)
    session = await log_in(app)
    _, response = await app.asgi_client.post("/api/caseworker/logout", headers=session.headers)
    assert response.status == 200
    _, after = await app.asgi_client.get("/api/caseworker/me", headers=session.headers)
    assert after.status == 401


async def test_the_openapi_description_lists_the_contract_routes(app) -> None:
    _, response = await app.asgi_client.get("/api/caseworker/openapi.json")
    paths = response.json["paths"]
    assert {"/login", "/applications", "/applications/{reference}/take-over", "/messages"} <= set(paths)


async def test_a_totp_code_opens_one_session_only_and_an_older_one_none(app, db: AsyncSession) -> None:
    """RFC 6238, 5.2: an intercepted code cannot be used again, nor one older than the last accepted."""
    await create_caseworker(db)
    totp = pyotp.TOTP(SECRET)
    current = totp.now()

    async def attempt(code: str) -> int:
        _, response = await app.asgi_client.post(
            "/api/caseworker/login", json={"username": "pipaluk", "password": PASSWORD, "totp": code}
        )
        return response.status

    assert await attempt(current) == 200
    assert await attempt(current) == 401  # the same code again
    assert await attempt(totp.at(datetime.now(UTC), counter_offset=-1)) == 401  # the one before it
    assert await attempt(totp.at(datetime.now(UTC), counter_offset=1)) == 200  # the next one is fine


async def test_a_code_by_sms_is_the_alternative_second_factor_and_works_once(app, db: AsyncSession) -> None:
    await create_caseworker(db, phone="+299 55 44 33")
    login = {"username": "pipaluk", "password": PASSWORD}
    _, sent = await app.asgi_client.post("/api/caseworker/login", json={**login, "method": "sms"})
    assert sent.status == 200 and sent.json == {"status": "code_sent"}
    [outbox] = (
        (await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "login_code"))).scalars().all()
    )
    assert outbox.recipient == "+299554433"
    code = outbox.text.rsplit(" ", 1)[1]
    _, wrong = await app.asgi_client.post(
        "/api/caseworker/login", json={**login, "sms_code": f"{(int(code) + 1) % 1_000_000:06d}"}
    )
    _, right = await app.asgi_client.post("/api/caseworker/login", json={**login, "sms_code": code})
    _, again = await app.asgi_client.post("/api/caseworker/login", json={**login, "sms_code": code})
    assert (wrong.status, right.status, again.status) == (401, 200, 401)
    assert COOKIE in right.cookies


async def test_without_a_phone_there_is_no_sms_code(app, db: AsyncSession) -> None:
    await create_caseworker(db)
    _, response = await app.asgi_client.post(
        "/api/caseworker/login", json={"username": "pipaluk", "password": PASSWORD, "method": "sms"}
    )
    assert response.status == 400 and response.json["error"] == "no_phone"


async def _login(app, body: dict, address: str) -> int:  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.post(
        "/api/caseworker/login", json=body, headers={"X-Forwarded-For": address}
    )
    return response.status


async def test_behind_a_proxy_failures_from_one_address_do_not_lock_out_a_caseworker_elsewhere(
    settings, engine, db: AsyncSession
) -> None:
    app = create_app(replace(settings, proxies_count=1), name="inissiaq_test_login_behind_proxy")
    await create_caseworker(db)
    attacker, pipaluk = "203.0.113.9", "198.51.100.7"
    for n in range(5):
        failed = {"username": f"guess{n}", "password": "guess", "totp": "000000"}
        assert await _login(app, failed, attacker) == 401
    right = {"username": "pipaluk", "password": PASSWORD}
    # The attacker's address is locked out, even with a caseworker's right password and code ...
    assert await _login(app, {**right, "totp": next_code(app, "pipaluk")}, attacker) == 429
    # ... while the caseworker, coming through the same proxy from her own address, logs in.
    assert await _login(app, {**right, "totp": next_code(app, "pipaluk")}, pipaluk) == 200


async def test_without_a_trusted_proxy_a_forged_x_forwarded_for_is_ignored(app, db: AsyncSession) -> None:
    await create_caseworker(db)
    for n in range(5):  # a new made-up address each time: the peer is what counts
        failed = {"username": f"guess{n}", "password": "guess", "totp": "000000"}
        assert await _login(app, failed, f"203.0.113.{n}") == 401
    right = {"username": "pipaluk", "password": PASSWORD, "totp": next_code(app, "pipaluk")}
    assert await _login(app, right, "198.51.100.7") == 429


async def test_failures_for_one_username_lock_that_username_from_any_address(
    settings, engine, db: AsyncSession
) -> None:
    app = create_app(replace(settings, proxies_count=1), name="inissiaq_test_login_username_lock")
    await create_caseworker(db)
    for n in range(5):
        failed = {"username": "pipaluk", "password": "guess", "totp": "000000"}
        assert await _login(app, failed, f"203.0.113.{n}") == 401
    right = {"username": "pipaluk", "password": PASSWORD, "totp": next_code(app, "pipaluk")}
    assert await _login(app, right, "198.51.100.7") == 429
