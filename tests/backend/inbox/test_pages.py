import re

import pyotp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.auth import COOKIE
from backend.inbox.pages import LOGIN_CSRF_COOKIE
from backend.messaging.service import citizen_writes
from backend.models.audit import AuditEntry
from tests.backend.applications.factories import (
    KARIN,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import PASSWORD, SECRET, create_caseworker, log_in

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def _karin_with_payloads(db: AsyncSession, settings) -> str:  # type: ignore[no-untyped-def]
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=KARIN)
    draft = await create_draft(db, conversation, settings)
    submission = await submit_draft(
        db,
        conversation,
        draft.draft.id,
        settings,
        dwelling_confirmed=False,
        corrections=[{"section": "dwelling", "text": PAYLOAD}],
    )
    await citizen_writes(
        db, KARIN, f"reply {PAYLOAD}", application_reference=submission.application.reference
    )
    return submission.application.reference


async def test_what_a_citizen_wrote_is_shown_escaped_on_the_application_page(
    app, db: AsyncSession, settings
) -> None:
    reference = await _karin_with_payloads(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    _, response = await app.asgi_client.get(f"/inbox/applications/{reference}", headers=session.cookie_only)
    assert response.status == 200
    assert "<script>" not in response.text and "<img" not in response.text
    assert (
        response.text.count("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;") == 2
    )  # correction and message


async def test_every_form_on_the_page_carries_the_csrf_token(app, db: AsyncSession, settings) -> None:
    reference = await _karin_with_payloads(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    _, response = await app.asgi_client.get(f"/inbox/applications/{reference}", headers=session.cookie_only)
    forms = re.findall(r"<form[^>]*method=\"post\".*?</form>", response.text, flags=re.S)
    assert len(forms) >= 4
    assert all(f'name="csrf_token" value="{session.csrf}"' in form for form in forms)


async def test_a_form_post_without_the_csrf_token_is_refused(app, db: AsyncSession, settings) -> None:
    reference = await _karin_with_payloads(db, settings)
    await create_caseworker(db)
    session = await log_in(app)
    _, response = await app.asgi_client.post(
        f"/inbox/applications/{reference}/take-over",
        data={"csrf_token": "forged"},
        headers=session.cookie_only,
    )
    assert response.status == 403
    _, accepted = await app.asgi_client.post(
        f"/inbox/applications/{reference}/take-over",
        data={"csrf_token": session.csrf},
        headers=session.cookie_only,
        follow_redirects=False,
    )
    assert accepted.status == 302


async def test_the_admin_page_is_403_for_a_caseworker(app, db: AsyncSession) -> None:
    await create_caseworker(db)
    session = await log_in(app)
    _, response = await app.asgi_client.get("/inbox/admin", headers=session.cookie_only)
    assert response.status == 403


async def test_pages_without_a_session_lead_to_the_login_page(app) -> None:
    _, response = await app.asgi_client.get("/inbox", follow_redirects=False)
    assert response.status == 302 and response.headers["location"] == "/inbox/login"


async def test_the_login_form_logs_in_with_password_and_totp_and_the_login_is_audited(
    app, db: AsyncSession
) -> None:
    caseworker = await create_caseworker(db)
    _, form = await app.asgi_client.get("/inbox/login")
    token = form.cookies[LOGIN_CSRF_COOKIE]
    assert f'value="{token}"' in form.text
    _, response = await app.asgi_client.post(
        "/inbox/login",
        data={
            "csrf_token": token,
            "username": "pipaluk",
            "password": PASSWORD,
            "totp": pyotp.TOTP(SECRET).now(),
        },
        headers={"cookie": f"{LOGIN_CSRF_COOKIE}={token}"},
        follow_redirects=False,
    )
    assert response.status == 302 and COOKIE in response.cookies
    logins = await db.execute(select(AuditEntry).where(AuditEntry.action == "caseworker_login"))
    assert [entry.actor for entry in logins.scalars()] == [f"caseworker:{caseworker.id}"]
