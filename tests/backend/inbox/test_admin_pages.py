"""The administration pages: an administrator manages caseworkers, routing rules and canned texts
with forms (CSRF-protected, bad input answered, nothing half-stored); a caseworker gets 403."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.audit import AuditEntry
from backend.models.caseworkers import CannedText, Caseworker, RoutingRule
from tests.backend.inbox.factories import create_caseworker, log_in

PAYLOAD = '<script>alert("x")</script>'


async def _admin(app, db: AsyncSession):  # type: ignore[no-untyped-def]
    await create_caseworker(db, username="ivalo", role="administrator")
    return await log_in(app, "ivalo")


async def _post(app, session, path: str, **fields: str):  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.post(
        path, data={"csrf_token": session.csrf, **fields}, headers=session.cookie_only, follow_redirects=False
    )
    return response


async def _new(db: AsyncSession, model, before: set[int]):  # type: ignore[no-untyped-def]
    """Rows added since `before` (development mode seeds demo rules and texts at start)."""
    return [row for row in await _fresh(db, model) if row.id not in before]


async def _ids(db: AsyncSession, model) -> set[int]:  # type: ignore[no-untyped-def]
    return {row.id for row in await _fresh(db, model)}


async def _fresh(db: AsyncSession, model):  # type: ignore[no-untyped-def]
    """Rows as the database has them now (the app wrote them in its own sessions)."""
    await db.rollback()
    db.expire_all()  # a rollback without an open transaction expires nothing
    return (await db.execute(select(model).order_by(model.id))).scalars().all()


async def test_every_form_on_the_admin_page_carries_the_csrf_token(app, db: AsyncSession) -> None:
    session = await _admin(app, db)
    rules = await _ids(db, RoutingRule)
    _, response = await app.asgi_client.get("/inbox/admin", headers=session.cookie_only)
    assert response.status == 200
    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", response.text, flags=re.S)
    assert len(forms) >= 5  # log out, create, digest, active, rule, canned
    assert all(f'name="csrf_token" value="{session.csrf}"' in form for form in forms)
    forged = await app.asgi_client.post(
        "/inbox/admin/routing-rules",
        data={"csrf_token": "forged", "from": "01.01", "to": "31.01", "caseworker_id": "1"},
        headers=session.cookie_only,
    )
    assert forged[1].status == 403 and await _new(db, RoutingRule, rules) == []


async def test_an_administrator_creates_a_caseworker_and_sees_the_totp_secret_once(
    app, db: AsyncSession
) -> None:
    session = await _admin(app, db)
    created = await _post(
        app,
        session,
        "/inbox/admin/caseworkers",
        username="naja",
        password="a long enough password",
        display_name="Naja Lynge",
        designated_for_digest="on",
    )
    assert created.status == 201
    naja = next(c for c in await _fresh(db, Caseworker) if c.username == "naja")
    assert naja.totp_secret in created.text and naja.designated_for_digest
    assert "a long enough password" not in created.text
    _, listing = await app.asgi_client.get("/inbox/admin", headers=session.cookie_only)
    assert naja.totp_secret not in listing.text  # only on the page right after creation

    short = await _post(app, session, "/inbox/admin/caseworkers", username="aka", password="short")
    taken = await _post(app, session, "/inbox/admin/caseworkers", username="naja", password="x" * 12)
    assert (short.status, taken.status) == (400, 409)
    assert [c.username for c in await _fresh(db, Caseworker)].count("naja") == 1
    assert "aka" not in [c.username for c in await _fresh(db, Caseworker)]


async def test_the_digest_designation_and_the_active_state_are_switched_and_audited(
    app, db: AsyncSession
) -> None:
    session = await _admin(app, db)
    naja = await create_caseworker(db, username="naja")
    path = f"/inbox/admin/caseworkers/{naja.id}"
    assert (await _post(app, session, path, field="digest", value="on")).status == 302
    assert (await _post(app, session, path, field="active", value="off")).status == 302
    assert (await _post(app, session, path, field="role", value="on")).status == 400
    assert (
        await _post(app, session, "/inbox/admin/caseworkers/999999", field="active", value="on")
    ).status == 404
    stored = next(c for c in await _fresh(db, Caseworker) if c.username == "naja")
    assert (stored.designated_for_digest, stored.active) == (True, False)
    admin_id = next(c.id for c in await _fresh(db, Caseworker) if c.username == "ivalo")
    updates = (
        (await db.execute(select(AuditEntry).where(AuditEntry.action == "caseworker_updated")))
        .scalars()
        .all()
    )
    assert [u.actor for u in updates] == [f"caseworker:{admin_id}"] * 2  # the refused ones left no entry


async def test_routing_rules_are_added_refused_when_malformed_and_removed(app, db: AsyncSession) -> None:
    session = await _admin(app, db)
    naja = await create_caseworker(db, username="naja")
    naja_id = naja.id
    before = await _ids(db, RoutingRule)
    added = await _post(
        app,
        session,
        "/inbox/admin/routing-rules",
        **{"from": "01.05", "to": "09.09", "caseworker_id": str(naja_id)},
    )
    assert added.status == 302
    malformed = [
        {"from": "32.01", "to": "09.09", "caseworker_id": str(naja_id)},
        {"from": "01.05", "to": "x", "caseworker_id": str(naja_id)},
        {"from": "01.05", "to": "09.09", "caseworker_id": "999999"},
        {"from": "01.05", "to": "09.09", "caseworker_id": "abc"},
    ]
    for fields in malformed:
        assert (await _post(app, session, "/inbox/admin/routing-rules", **fields)).status == 400, fields
    [rule] = await _new(db, RoutingRule, before)
    assert (rule.from_day, rule.from_month, rule.to_day, rule.to_month, rule.caseworker_id) == (
        1,
        5,
        9,
        9,
        naja_id,
    )
    _, page = await app.asgi_client.get("/inbox/admin", headers=session.cookie_only)
    assert "01.05–09.09" in page.text and f"/inbox/admin/routing-rules/{rule.id}/delete" in page.text
    assert (await _post(app, session, f"/inbox/admin/routing-rules/{rule.id}/delete")).status == 302
    assert await _new(db, RoutingRule, before) == []


async def test_canned_texts_are_added_shown_escaped_and_removed(app, db: AsyncSession) -> None:
    session = await _admin(app, db)
    before = await _ids(db, CannedText)
    added = await _post(
        app, session, "/inbox/admin/canned-texts", language="da", title="Kvittering", text=f"Tak {PAYLOAD}"
    )
    assert added.status == 302
    assert (
        await _post(app, session, "/inbox/admin/canned-texts", language="en", title="x", text="y")
    ).status == 400
    [canned] = await _new(db, CannedText, before)
    _, page = await app.asgi_client.get("/inbox/admin", headers=session.cookie_only)
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert (await _post(app, session, f"/inbox/admin/canned-texts/{canned.id}/delete")).status == 302
    assert await _new(db, CannedText, before) == []


async def test_a_caseworker_cannot_use_the_admin_forms(app, db: AsyncSession) -> None:
    await create_caseworker(db, username="naja")
    session = await log_in(app, "naja")
    before = await _ids(db, CannedText)
    response = await _post(app, session, "/inbox/admin/canned-texts", language="da", title="x", text="y")
    assert response.status == 403 and await _new(db, CannedText, before) == []
