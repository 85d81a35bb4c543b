import html
from dataclasses import replace

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.auth import login as login_module
from backend.config import Settings
from backend.models.audit import AuditEntry
from backend.models.conversations import Conversation, WebSession
from backend.nlg import translate
from backend.web.ui_texts import EID_NOT_CONFIGURED_TITLE
from tests.backend.applications.factories import AVIAJA, KARIN, MALIK, seed_registers
from tests.backend.channels.support import Browser, FakeRasa


@pytest.fixture
def production_app(settings, engine):  # type: ignore[no-untyped-def]
    return create_app(replace(settings, mode="production"), name="inissiaq_test_auth_production")


async def test_login_keeps_the_conversation_and_rotates_the_token(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    cid = (await browser.say("Jeg vil søge boligsikring nu")).json["conversation_id"]
    anonymous_token = browser.token

    response = await browser.login(AVIAJA)
    assert (response.status, response.json) == (200, {"ok": True, "next": "/?chat=open"})
    assert browser.token and browser.token != anonymous_token
    assert (await browser.history()).json["conversation_id"] == cid

    conversation = await db.get(Conversation, cid)
    session = (await db.execute(select(WebSession))).scalars().one()
    assert conversation.person_cpr == AVIAJA
    assert conversation.bound_until == session.expires_at
    assert session.person_cpr == AVIAJA and session.authenticated_at is not None

    old = Browser(app, token=anonymous_token)
    assert (await old.history()).json["messages"] == []  # the pre-login token is worth nothing now


async def test_login_without_a_session_starts_a_logged_in_conversation(app, db: AsyncSession) -> None:
    await seed_registers(db)
    browser = Browser(app)
    assert (await browser.login("070886-1234")).status == 200
    conversation = (await db.execute(select(Conversation))).scalars().one()
    assert conversation.person_cpr == AVIAJA


async def test_login_takes_the_registers_language_only_if_nothing_better_is_known(
    app, db: AsyncSession
) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    quiet, talkative = Browser(app), Browser(app)
    await quiet.say("hej")  # too short to detect anything
    await talkative.say("Jeg vil gerne søge om boligsikring")  # Danish, detected
    await quiet.login(KARIN)
    await talkative.login(KARIN)

    languages = {
        c.id: (c.language, c.language_source) for c in (await db.execute(select(Conversation))).scalars()
    }
    quiet_cid = (await quiet.history()).json["conversation_id"]
    talkative_cid = (await talkative.history()).json["conversation_id"]
    assert languages[quiet_cid] == ("sv", "register")
    assert languages[talkative_cid] == ("da", "detected")


async def test_another_person_logging_in_on_the_same_browser_gets_a_new_conversation(
    app, db: AsyncSession
) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    aviajas = (await browser.say("Aviajas hemmelighed")).json["conversation_id"]
    await browser.login(MALIK)
    history = (await browser.history()).json
    assert history["conversation_id"] != aviajas
    assert history["messages"] == []
    assert (await db.get(Conversation, aviajas)).person_cpr == AVIAJA


@pytest.mark.parametrize("body", [{"cpr": "9999999999"}, {"cpr": "0708861299"}, {"cpr": 708861234}, {}])
async def test_an_unknown_or_malformed_cpr_does_not_log_in(app, db: AsyncSession, body: dict) -> None:
    await seed_registers(db)
    browser = Browser(app)
    response = await browser.request("POST", "/auth/dev/login", json=body)
    assert response.status == 400
    assert response.json["error"] == "unknown_person"
    assert browser.token is None
    assert (await db.execute(select(WebSession))).scalars().all() == []


async def test_garbage_json_on_dev_login_is_a_clear_400(app) -> None:
    response = await Browser(app).request(
        "POST", "/auth/dev/login", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert (response.status, response.json["error"]) == (400, "invalid_input")


async def test_the_dev_page_form_logs_in_and_goes_back_to_the_start_page(app, db: AsyncSession) -> None:
    await seed_registers(db)
    browser = Browser(app)
    response = await browser.request("POST", "/auth/dev/login", data={"cpr": AVIAJA})
    assert response.status == 302
    assert response.headers["location"] == "/?chat=open"
    assert browser.token is not None
    unknown = await browser.request("POST", "/auth/dev/login", data={"cpr": "0101011234"})
    assert (unknown.status, unknown.headers["location"]) == (302, "/auth/dev?error=1")


async def test_a_cross_site_form_post_cannot_log_anyone_in(app, db: AsyncSession) -> None:
    await seed_registers(db)
    browser = Browser(app)
    response = await browser.request(
        "POST", "/auth/dev/login", data={"cpr": AVIAJA}, headers={"Origin": "https://evil.example"}
    )
    assert response.status == 403
    assert browser.token is None


async def test_the_login_is_audited_without_anything_but_the_person(app, db: AsyncSession) -> None:
    await seed_registers(db)
    await Browser(app).login(AVIAJA)
    entry = (await db.execute(select(AuditEntry).where(AuditEntry.action == "citizen_login"))).scalars().one()
    assert (entry.actor, entry.person_cpr) == ("citizen", AVIAJA)


async def test_login_hooks_run_with_the_rotated_session(app, db: AsyncSession) -> None:
    await seed_registers(db)
    seen: list[tuple[str, str]] = []

    async def hook(db: AsyncSession, session: WebSession, cpr: str, settings: Settings) -> None:
        seen.append((session.token_hash, cpr))

    login_module.register_login_hook(hook)
    try:
        browser = Browser(app)
        await browser.login(AVIAJA)
    finally:
        login_module._login_hooks.remove(hook)
    session = (await db.execute(select(WebSession))).scalars().one()
    assert seen == [(session.token_hash, AVIAJA)]


async def test_logout_unbinds_and_hides_the_conversation(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    cid = (await browser.say("hej")).json["conversation_id"]
    token = browser.token

    response = await browser.request("POST", "/auth/logout", json={})
    assert (response.status, response.json) == (200, {"ok": True})
    assert (await db.get(Conversation, cid)).person_cpr is None
    assert (await Browser(app, token=token).history()).json["messages"] == []


async def test_login_redirects_to_the_test_login_in_development(app) -> None:
    _, response = await app.asgi_client.get("/auth/login", follow_redirects=False)
    assert (response.status, response.headers["location"]) == (302, "/auth/dev")


async def test_the_test_login_does_not_exist_in_production(production_app, db: AsyncSession) -> None:
    await seed_registers(db)
    browser = Browser(production_app)
    assert (await browser.request("GET", "/auth/dev")).status == 404
    assert (await browser.login(AVIAJA)).status == 404
    assert (await browser.request("POST", "/auth/dev/login", data={"cpr": AVIAJA})).status == 404
    assert browser.token is None
    assert (await db.execute(select(WebSession))).scalars().all() == []


async def test_login_in_production_says_eid_is_not_configured(production_app) -> None:
    _, response = await production_app.asgi_client.get("/auth/login?lang=da", follow_redirects=False)
    assert response.status == 503
    title = translate("da", EID_NOT_CONFIGURED_TITLE)
    assert title != EID_NOT_CONFIGURED_TITLE
    assert f"<h1>{html.escape(title)}</h1>" in response.text
