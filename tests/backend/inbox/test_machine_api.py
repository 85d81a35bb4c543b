"""Machine clients on the caseworker API: the OAuth token endpoint, Bearer tokens with scopes, and the
administrators' routes for clients."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox import demo
from backend.machine import clients as machine
from backend.models.audit import AuditEntry
from backend.models.machine_clients import MachineClient, MachineToken
from tests.backend.applications.factories import (
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker, log_in

TOKEN_URL = "/api/caseworker/oauth/token"
FORM = {"content-type": "application/x-www-form-urlencoded"}
ALL = "applications:read applications:write messages:write"


async def _client(db: AsyncSession, scopes: str = ALL, name: str = "winformatik") -> tuple[str, str]:
    client, secret = await machine.create_client(db, name=name, scopes=scopes, actor="test")
    return client.id, secret


async def _token(app, client_id: str, secret: str, scope: str | None = None) -> str:  # type: ignore[no-untyped-def]
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope:
        form["scope"] = scope
    _, response = await app.asgi_client.post(TOKEN_URL, data=form, headers=FORM)
    assert response.status == 200, response.text
    return response.json["access_token"]


@pytest.fixture(autouse=True)
def _no_demo_accounts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The development mode's demo caseworkers are made at every test request's start-up (an argon2
    hash each time); these tests need none of them."""

    async def nothing(app: object) -> None:
        return None

    monkeypatch.setattr(demo, "start", nothing)


def _bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def _application(db: AsyncSession, settings) -> str:  # type: ignore[no-untyped-def]
    await seed_registers(db)
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)
    return (await submit_draft(db, conversation, draft.draft.id, settings)).application.reference


async def _actions(db: AsyncSession, actor: str) -> list[str]:
    rows = await db.execute(
        select(AuditEntry.action).where(AuditEntry.actor == actor).order_by(AuditEntry.id)
    )
    return list(rows.scalars())


# --- the token endpoint ------------------------------------------------------------------------


async def test_a_client_gets_a_bearer_token_with_its_scopes_by_form_or_http_basic(
    app, db: AsyncSession
) -> None:
    client_id, secret = await _client(db, scopes="applications:read applications:write")
    _, response = await app.asgi_client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        headers=FORM,
    )
    assert response.status == 200, response.text
    body = response.json
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == machine.TOKEN_TTL_SECONDS
    assert body["scope"] == "applications:read applications:write"
    assert response.headers["cache-control"] == "no-store"

    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    _, response = await app.asgi_client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "scope": "applications:read"},
        headers={**FORM, "authorization": f"Basic {basic}"},
    )
    assert response.status == 200, response.text
    assert response.json["scope"] == "applications:read"
    # Only hashes are stored: neither the secret nor the token appears in the database.
    stored = (await db.execute(select(MachineClient))).scalars().one()
    tokens = (await db.execute(select(MachineToken))).scalars().all()
    assert secret not in stored.secret_hash and len(tokens) == 2
    assert all(t.token_hash != response.json["access_token"] for t in tokens)
    assert await _actions(db, "client:winformatik") == ["machine_token_issued", "machine_token_issued"]


async def test_every_token_error_has_its_rfc_6749_code(app, db: AsyncSession) -> None:
    client_id, secret = await _client(db, scopes="applications:read")
    good = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    cases = [
        ({"data": good, "headers": {"content-type": "application/json"}}, 400, "invalid_request"),
        ({"data": {**good, "grant_type": ""}, "headers": FORM}, 400, "invalid_request"),
        ({"data": {**good, "grant_type": "password"}, "headers": FORM}, 400, "unsupported_grant_type"),
        ({"data": {**good, "scope": "applications:write"}, "headers": FORM}, 400, "invalid_scope"),
        ({"data": {**good, "scope": "everything"}, "headers": FORM}, 400, "invalid_scope"),
        (
            {"data": good, "headers": {**FORM, "authorization": f"Basic {basic}"}},
            400,
            "invalid_request",
        ),
        ({"content": f"{TOKEN_URL}", "headers": FORM}, 400, "invalid_request"),
    ]
    for kwargs, status, error in cases:
        if "content" in kwargs:
            body = "grant_type=client_credentials&grant_type=client_credentials"
            _, response = await app.asgi_client.post(TOKEN_URL, content=body, headers=kwargs["headers"])
        else:
            _, response = await app.asgi_client.post(TOKEN_URL, **kwargs)
        assert response.status == status, (kwargs, response.text)
        assert response.json["error"] == error and response.json["message"]

    for form in (
        {**good, "client_secret": "wrong"},
        {**good, "client_id": "mc_unknown"},
        {"grant_type": "client_credentials"},
    ):
        _, response = await app.asgi_client.post(TOKEN_URL, data=form, headers=FORM)
        assert response.status == 401, response.text
        assert response.json["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")
    refused = (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "machine_token_refused"))
    ).scalars()
    reasons = [e.details["reason"] for e in refused]
    assert {"wrong_secret", "unknown_client", "invalid_scope"} <= set(reasons)
    assert all(secret not in str(e) for e in reasons)


async def test_failed_token_requests_are_rate_limited_like_caseworker_logins(
    app, db: AsyncSession, settings
) -> None:
    client_id, secret = await _client(db)
    wrong = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": "guess"}
    for _ in range(settings.login_max_failures):
        _, response = await app.asgi_client.post(TOKEN_URL, data=wrong, headers=FORM)
        assert response.status == 401
    right = {**wrong, "client_secret": secret}
    _, response = await app.asgi_client.post(TOKEN_URL, data=right, headers=FORM)
    assert response.status == 429, response.text
    locked = await db.execute(select(AuditEntry.details).where(AuditEntry.action == "machine_token_refused"))
    assert any(d["reason"] == "locked_out" for d in locked.scalars())


# --- Bearer tokens on the API ------------------------------------------------------------------


async def test_a_bearer_token_reads_without_cookie_or_csrf_and_is_audited_as_the_client(
    app, db: AsyncSession, settings
) -> None:
    reference = await _application(db, settings)
    token = await _token(app, *await _client(db, scopes="applications:read"))
    _, response = await app.asgi_client.get("/api/caseworker/applications", headers=_bearer(token))
    assert response.status == 200, response.text
    assert [a["reference"] for a in response.json["applications"]] == [reference]
    _, response = await app.asgi_client.get(
        "/api/caseworker/applications/feed?after=", headers=_bearer(token)
    )
    assert response.status == 200, response.text
    assert [c["reference"] for c in response.json["changes"]] == [reference]
    _, response = await app.asgi_client.get(
        f"/api/caseworker/applications/{reference}", headers=_bearer(token)
    )
    assert response.status == 200, response.text
    assert response.json["status"] == "submitted"  # a machine reading does not mark it received
    actions = await _actions(db, "client:winformatik")
    assert "application_listed" in actions and "application_feed_listed" in actions
    assert "application_viewed" in actions and actions.count("machine_request") == 3


async def test_a_write_with_a_bearer_token_needs_no_csrf_and_is_audited_as_the_client(
    app, db: AsyncSession, settings
) -> None:
    reference = await _application(db, settings)
    token = await _token(app, *await _client(db))
    _, response = await app.asgi_client.post(
        f"/api/caseworker/applications/{reference}/take-over", headers=_bearer(token)
    )
    assert response.status == 200, response.text
    assert response.json["status"] == "taken_over"
    entries = await db.execute(
        select(AuditEntry.actor).where(
            AuditEntry.action == "application_taken_over", AuditEntry.application_reference == reference
        )
    )
    assert list(entries.scalars()) == ["client:winformatik"]
    _, response = await app.asgi_client.post(
        "/api/caseworker/messages",
        json={"application_reference": reference, "text": "Vi har modtaget din ansøgning."},
        headers=_bearer(token),
    )
    assert response.status == 201, response.text
    sent = await db.execute(select(AuditEntry.actor).where(AuditEntry.action == "message_sent"))
    assert list(sent.scalars()) == ["client:winformatik"]


async def test_a_missing_scope_is_403_and_caseworker_only_routes_refuse_machine_tokens(
    app, db: AsyncSession, settings
) -> None:
    reference = await _application(db, settings)
    token = await _token(app, *await _client(db, scopes="applications:read"))
    _, response = await app.asgi_client.post(
        f"/api/caseworker/applications/{reference}/take-over", headers=_bearer(token)
    )
    assert response.status == 403, response.text
    assert response.json["error"] == "insufficient_scope"
    assert 'scope="applications:write"' in response.headers["www-authenticate"]
    _, response = await app.asgi_client.post(
        "/api/caseworker/messages",
        json={"application_reference": reference, "text": "x"},
        headers=_bearer(token),
    )
    assert response.status == 403 and response.json["error"] == "insufficient_scope"
    for method, path in (
        ("post", "/api/caseworker/login"),
        ("get", "/api/caseworker/me"),
        ("post", "/api/caseworker/logout"),
        ("get", "/api/caseworker/live"),
        ("post", "/api/caseworker/live/abc/take"),
        ("get", "/api/caseworker/admin/caseworkers"),
        ("get", "/api/caseworker/admin/clients"),
        ("get", "/api/caseworker/threads"),
    ):
        _, response = await getattr(app.asgi_client, method)(path, headers=_bearer(token))
        assert response.status == 403, (path, response.text)
        assert response.json["error"] == "caseworkers_only", path
    assert "machine_request_refused" in await _actions(db, "client:winformatik")


async def test_revoked_rotated_expired_and_unknown_tokens_are_refused(app, db: AsyncSession) -> None:
    client_id, secret = await _client(db)
    feed = "/api/caseworker/applications/feed"
    for bad in ("not-a-token", ""):
        _, response = await app.asgi_client.get(feed, headers={"authorization": f"Bearer {bad}"})
        assert response.status == 401, response.text
        assert response.json["error"] == "invalid_token"

    expired = await _token(app, client_id, secret)
    await db.execute(update(MachineToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await db.commit()
    _, response = await app.asgi_client.get(feed, headers=_bearer(expired))
    assert response.status == 401

    before_rotation = await _token(app, client_id, secret)
    _, new_secret = await machine.rotate_secret(db, client_id, actor="test")
    _, response = await app.asgi_client.get(feed, headers=_bearer(before_rotation))
    assert response.status == 401
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    _, response = await app.asgi_client.post(TOKEN_URL, data=form, headers=FORM)
    assert response.status == 401  # the old secret
    after_rotation = await _token(app, client_id, new_secret)
    _, response = await app.asgi_client.get(feed, headers=_bearer(after_rotation))
    assert response.status == 200

    await machine.revoke_client(db, client_id, actor="test")
    _, response = await app.asgi_client.get(feed, headers=_bearer(after_rotation))
    assert response.status == 401
    _, response = await app.asgi_client.post(
        TOKEN_URL, data={**form, "client_secret": new_secret}, headers=FORM
    )
    assert response.status == 401 and response.json["error"] == "invalid_client"


async def test_the_feed_answers_bad_cursors_and_limits_with_400(app, db: AsyncSession) -> None:
    token = await _token(app, *await _client(db, scopes="applications:read"))
    for query in ("after=%%%", "after=bm9wZQ", "after=" + "A" * 100, "limit=0", "limit=201", "limit=x"):
        _, response = await app.asgi_client.get(
            f"/api/caseworker/applications/feed?{query}", headers=_bearer(token)
        )
        assert response.status == 400, (query, response.text)
        assert response.json["error"] in ("invalid_cursor", "invalid_input")


# --- administrators manage clients -------------------------------------------------------------


async def test_administrators_create_list_rotate_revoke_and_set_webhooks_and_each_is_audited(
    app, db: AsyncSession
) -> None:
    admin = await create_caseworker(db, username="ane", role="administrator")
    await create_caseworker(db, username="pipaluk")
    session = await log_in(app, "ane")
    base = "/api/caseworker/admin/clients"
    _, response = await app.asgi_client.post(
        base, json={"name": "Winformatik", "scopes": ["applications:read"]}, headers=session.headers
    )
    assert response.status == 201, response.text
    created = response.json
    assert created["name"] == "winformatik" and created["scopes"] == ["applications:read"]
    assert await _token(app, created["client_id"], created["client_secret"])

    for body in (
        {"name": "winformatik", "scopes": ["applications:read"]},
        {"name": "x", "scopes": ["root"]},
        {},
    ):
        _, response = await app.asgi_client.post(base, json=body, headers=session.headers)
        assert response.status in (400, 409), response.text
    _, response = await app.asgi_client.post(base, content=b"[", headers=session.headers)
    assert response.status == 400

    _, response = await app.asgi_client.get(base, headers=session.headers)
    assert [c["client_id"] for c in response.json["clients"]] == [created["client_id"]]
    assert "client_secret" not in response.json["clients"][0]

    _, response = await app.asgi_client.post(f"{base}/{created['client_id']}/rotate", headers=session.headers)
    assert response.status == 200 and response.json["client_secret"] != created["client_secret"]
    _, response = await app.asgi_client.put(
        f"{base}/{created['client_id']}/webhook", json={"url": "ftp://x"}, headers=session.headers
    )
    assert response.status == 400
    _, response = await app.asgi_client.put(
        f"{base}/{created['client_id']}/webhook",
        json={"url": "https://cases.example/hook"},
        headers=session.headers,
    )
    assert response.status == 200 and response.json["webhook_secret"]
    _, response = await app.asgi_client.post(f"{base}/{created['client_id']}/revoke", headers=session.headers)
    assert response.status == 200 and response.json["active"] is False
    _, response = await app.asgi_client.post(f"{base}/mc_nope/revoke", headers=session.headers)
    assert response.status == 404

    assert await _actions(db, f"caseworker:{admin.id}") == [
        "caseworker_login",
        "machine_client_created",
        "machine_client_rotated",
        "machine_client_webhook_set",
        "machine_client_revoked",
    ]
    other = await log_in(app, "pipaluk")
    _, response = await app.asgi_client.get(base, headers=other.headers)
    assert response.status == 403
    _, response = await app.asgi_client.post(
        base, json={"name": "y", "scopes": ["applications:read"]}, headers=session.cookie_only
    )
    assert response.status == 403  # a session without the CSRF token


async def _call(app, method: str, url: str, headers: dict[str, str]) -> tuple[int, bytes]:  # type: ignore[no-untyped-def]
    """One request straight through the started app's ASGI interface (the test client would start the
    app again for each of the many requests)."""
    path, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method.upper(),
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in {**headers, "host": "test"}.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    sent: list[dict] = []
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if requested:
            await asyncio.Event().wait()  # no disconnect while the handler runs
        requested = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def test_every_api_route_decides_about_machine_tokens(app, db: AsyncSession) -> None:
    """A route either names the scope a machine client needs (a token without it: 403
    insufficient_scope) or is for caseworkers only (any machine token: 403 caseworkers_only)."""
    from backend.inbox.openapi import PUBLIC, documented_routes, operation_of

    tokens = {
        scope: await _token(app, *await _client(db, scopes=scope, name=scope.replace(":", "-")))
        for scope in machine.SCOPES
    }  # the test client's requests have started the app
    undecided, checked = [], 0
    for method, path, handler in documented_routes(app):
        op = operation_of(handler)
        if op is None or op.auth == PUBLIC:
            continue
        url = re.sub(r"\{[a-z_]+_id\}", "1", "/api/caseworker" + path)  # ids are numbers in routes
        url = re.sub(r"\{[a-z_]+\}", "x", url)
        lacking = next((s for s in machine.SCOPES if s not in op.scopes), None)
        if lacking is None:
            continue  # every scope allows it: nothing to refuse
        checked += 1
        status, body = await _call(app, method, url, _bearer(tokens[lacking]))
        expected = "insufficient_scope" if op.scopes else "caseworkers_only"
        if status != 403 or json.loads(body).get("error") != expected:
            undecided.append(f"{method.upper()} {path}: {status} {body[:80]!r}")
    assert undecided == [], "\n".join(undecided)
    assert checked > 40


async def test_the_worked_example_a_case_system_polls_the_feed_and_records_a_decision(
    app, db: AsyncSession, settings
) -> None:
    """docs/api.md's curl example, step by step."""
    reference = await _application(db, settings)
    client_id, secret = await _client(db)
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    _, response = await app.asgi_client.post(
        TOKEN_URL,
        data={"grant_type": "client_credentials", "scope": "applications:read applications:write"},
        headers={**FORM, "authorization": f"Basic {basic}"},
    )
    token = response.json["access_token"]
    api = "/api/caseworker"
    _, page = await app.asgi_client.get(f"{api}/applications/feed?after=&limit=50", headers=_bearer(token))
    assert [(c["reference"], c["change"]) for c in page.json["changes"]] == [(reference, "submitted")]
    cursor = page.json["next_cursor"]
    _, response = await app.asgi_client.get(
        f"{api}/applications/{reference}/export.pdf", headers=_bearer(token)
    )
    assert response.status == 200 and response.body.startswith(b"%PDF")
    _, response = await app.asgi_client.post(
        f"{api}/applications/{reference}/status", json={"status": "received"}, headers=_bearer(token)
    )
    assert response.status == 200, response.text
    decision = {"decision": "granted", "decided_on": "2026-12-05", "case_reference": "WF-2026-118"}
    _, response = await app.asgi_client.post(
        f"{api}/applications/{reference}/decision", json=decision, headers=_bearer(token)
    )
    assert response.status == 200, response.text
    assert response.json == {"reference": reference, "status": "decided", **decision}
    _, page = await app.asgi_client.get(f"{api}/applications/feed?after={cursor}", headers=_bearer(token))
    assert [(c["change"], c["status"]) for c in page.json["changes"]] == [
        ("status", "received"),
        ("decision", "decided"),
    ]
    decided = await db.execute(
        select(AuditEntry.actor).where(
            AuditEntry.action == "application_decided", AuditEntry.application_reference == reference
        )
    )
    assert list(decided.scalars()) == ["client:winformatik"]
