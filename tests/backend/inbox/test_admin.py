"""Administrators: caseworkers, routing rules, canned texts and the audit log, through the JSON API."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models.caseworkers import Caseworker
from tests.backend.applications.factories import AVIAJA, KARIN
from tests.backend.inbox.factories import PASSWORD, create_caseworker, log_in, next_code
from tests.backend.inbox.test_applications import _submitted


async def test_an_administrator_creates_a_caseworker_whose_password_is_only_stored_hashed(
    app, db: AsyncSession
) -> None:
    await create_caseworker(db, username="ivalo", role="administrator")
    session = await log_in(app, "ivalo")
    body = {"username": "naja", "password": "a long enough password", "email": "naja@kommune.example.gl"}
    _, created = await app.asgi_client.post(
        "/api/caseworker/admin/caseworkers", json=body, headers=session.headers
    )
    assert created.status == 201 and created.json["username"] == "naja" and created.json["totp_secret"]
    stored = (await db.execute(select(Caseworker).where(Caseworker.username == "naja"))).scalars().one()
    assert "a long enough password" not in stored.password_hash and stored.password_hash.startswith("$argon2")

    _, duplicate = await app.asgi_client.post(
        "/api/caseworker/admin/caseworkers", json=body, headers=session.headers
    )
    assert duplicate.status in (400, 409)
    for bad in ({"username": "x"}, {"username": "", "password": "a long enough password"}, {"password": 5}):
        _, refused = await app.asgi_client.post(
            "/api/caseworker/admin/caseworkers", json=bad, headers=session.headers
        )
        assert refused.status == 400, bad


async def test_a_deactivated_caseworker_can_no_longer_log_in(app, db: AsyncSession) -> None:
    await create_caseworker(db, username="ivalo", role="administrator")
    naja = await create_caseworker(db, username="naja")
    session = await log_in(app, "ivalo")
    _, updated = await app.asgi_client.patch(
        f"/api/caseworker/admin/caseworkers/{naja.id}",
        json={"active": False, "designated_for_digest": True},
        headers=session.headers,
    )
    assert updated.status == 200 and updated.json["designated_for_digest"] is True
    _, login = await app.asgi_client.post(
        "/api/caseworker/login",
        json={"username": "naja", "password": PASSWORD, "totp": next_code(app, "naja")},
    )
    assert login.status == 401
    _, bad = await app.asgi_client.patch(
        f"/api/caseworker/admin/caseworkers/{naja.id}", json={"active": "no"}, headers=session.headers
    )
    assert bad.status == 400


async def test_the_last_active_administrator_cannot_be_deactivated_or_demoted(app, db: AsyncSession) -> None:
    ivalo = await create_caseworker(db, username="ivalo", role="administrator")
    ivalo_id = ivalo.id
    session = await log_in(app, "ivalo")  # development mode also creates the demo "admin"
    others = (
        await db.execute(
            select(Caseworker.id).where(Caseworker.role == "administrator", Caseworker.id != ivalo_id)
        )
    ).scalars()
    for other in others.all():
        _, off = await app.asgi_client.patch(
            f"/api/caseworker/admin/caseworkers/{other}", json={"active": False}, headers=session.headers
        )
        assert off.status == 200
    for change in ({"active": False}, {"role": "caseworker"}):
        _, refused = await app.asgi_client.patch(
            f"/api/caseworker/admin/caseworkers/{ivalo_id}", json=change, headers=session.headers
        )
        assert (refused.status, refused.json["error"]) == (409, "last_administrator"), change
    _, digest = await app.asgi_client.patch(
        f"/api/caseworker/admin/caseworkers/{ivalo_id}",
        json={"designated_for_digest": True},
        headers=session.headers,
    )
    assert digest.status == 200  # other changes to the last administrator are fine


async def test_a_routing_rule_assigns_new_applications_by_birthday_and_bad_ranges_are_refused(
    app, db: AsyncSession, settings
) -> None:
    await create_caseworker(db, username="ivalo", role="administrator")
    naja = await create_caseworker(db, username="naja")
    session = await log_in(app, "ivalo")
    # Development mode's demo rules (caseworker1 and caseworker2) go first: this test sets its own.
    _, existing = await app.asgi_client.get("/api/caseworker/admin/routing-rules", headers=session.headers)
    for old in existing.json["rules"]:
        await app.asgi_client.delete(
            f"/api/caseworker/admin/routing-rules/{old['id']}", headers=session.headers
        )
    for bad in ({"from": "32.13", "to": "01.01"}, {"from": "01.05"}, {"from": 1, "to": 2}):
        _, refused = await app.asgi_client.post(
            "/api/caseworker/admin/routing-rules",
            json={**bad, "caseworker_id": naja.id},
            headers=session.headers,
        )
        assert refused.status == 400, bad
    _, rule = await app.asgi_client.post(
        "/api/caseworker/admin/routing-rules",
        json={"from": "01.05", "to": "09.09", "caseworker_id": naja.id},
        headers=session.headers,
    )
    assert rule.status == 201
    aviaja = await _submitted(db, settings, AVIAJA)  # born 07.08: inside
    karin = await _submitted(db, settings, KARIN)  # born 30.03: outside, the shared queue
    assert (aviaja.assigned_caseworker_id, karin.assigned_caseworker_id) == (naja.id, None)


async def test_the_audit_log_filters_by_actor_action_and_citizen(app, db: AsyncSession, settings) -> None:
    await create_caseworker(db, username="ivalo", role="administrator")
    await create_caseworker(db, username="naja")
    application = await _submitted(db, settings, AVIAJA)
    naja = await log_in(app, "naja")
    await app.asgi_client.get(f"/api/caseworker/applications/{application.reference}", headers=naja.headers)
    admin = await log_in(app, "ivalo")

    async def entries(**filters: str) -> list[dict]:
        _, response = await app.asgi_client.get(
            "/api/caseworker/admin/audit", params=filters, headers=admin.headers
        )
        assert response.status == 200
        return response.json["entries"]

    everything = await entries()
    by_naja = await entries(actor=f"caseworker:{naja.caseworker_id}")
    logins = await entries(action="caseworker_login")
    about_aviaja = await entries(cpr=AVIAJA)
    assert len(by_naja) < len(everything) and by_naja
    assert {e["actor"] for e in by_naja} == {f"caseworker:{naja.caseworker_id}"}
    assert {e["action"] for e in logins} == {"caseworker_login"} and len(logins) == 2
    assert about_aviaja and {e["person_cpr"] for e in about_aviaja} == {AVIAJA}
    _, bad = await app.asgi_client.get(
        "/api/caseworker/admin/audit", params={"cpr": "nonsense"}, headers=admin.headers
    )
    assert bad.status == 400


async def test_canned_texts_per_language_are_maintained_by_administrators(app, db: AsyncSession) -> None:
    await create_caseworker(db, username="ivalo", role="administrator")
    await create_caseworker(db, username="naja")
    admin, naja = await log_in(app, "ivalo"), await log_in(app, "naja")
    text = {"language": "kl", "title": "Lejekontrakt", "text": "Lejekontraktip assinga nassiutiguk."}
    _, created = await app.asgi_client.post(
        "/api/caseworker/admin/canned-texts", json=text, headers=admin.headers
    )
    assert created.status == 201
    _, forbidden = await app.asgi_client.post(
        "/api/caseworker/admin/canned-texts", json=text, headers=naja.headers
    )
    assert forbidden.status == 403
    _, bad = await app.asgi_client.post(
        "/api/caseworker/admin/canned-texts", json={**text, "language": "en"}, headers=admin.headers
    )
    assert bad.status == 400
    _, kl = await app.asgi_client.get(
        "/api/caseworker/canned-texts", params={"language": "kl"}, headers=naja.headers
    )
    _, da = await app.asgi_client.get(
        "/api/caseworker/canned-texts", params={"language": "da"}, headers=naja.headers
    )
    assert [t["title"] for t in kl.json["canned_texts"]] == ["Lejekontrakt"] and da.json["canned_texts"] == []
    _, deleted = await app.asgi_client.delete(
        f"/api/caseworker/admin/canned-texts/{created.json['id']}", headers=admin.headers
    )
    assert deleted.status == 200
