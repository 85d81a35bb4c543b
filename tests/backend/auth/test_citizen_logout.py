"""Ending a citizen's web session: "log out" in the chat ends it as `POST /auth/logout` does, the next
login in the same browser starts a new conversation, and a logged-in session ends after
CITIZEN_IDLE_MINUTES without the citizen's own activity, with a notice when they come back."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.app import create_app
from backend.auth import sessions as web_sessions
from backend.config import Secret
from backend.models.audit import AuditEntry
from backend.models.conversations import Conversation, WebSession
from backend.nlg import translate
from backend.web.ui_texts import LOG_IN_AGAIN, SESSION_ENDED
from tests.backend.applications.factories import AVIAJA, MALIK, seed_registers
from tests.backend.channels.support import Browser, FakeRasa

AUTH = {"Authorization": "Bearer test-internal-secret"}


async def _session_row(db: AsyncSession) -> WebSession:
    return (await db.execute(select(WebSession).execution_options(populate_existing=True))).scalars().one()


async def _expire(db: AsyncSession) -> None:
    """As if CITIZEN_IDLE_MINUTES had passed since the citizen's last message."""
    await db.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await db.commit()


async def test_logout_by_json_ends_the_session_and_hides_the_transcript(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    cid = (await browser.say("hej")).json["conversation_id"]
    old_token = browser.token

    response = await browser.request("POST", "/auth/logout", json={})
    assert response.status == 200 and browser.token is None  # the cookie is cleared
    assert (await browser.history()).json["conversation_id"] is None
    kept_cookie = (await Browser(app, token=old_token).history()).json  # a browser that kept it anyway
    assert (kept_cookie["conversation_id"], kept_cookie["messages"]) == (None, [])
    assert (await db.execute(select(WebSession))).scalars().all() == []
    assert (await db.get(Conversation, cid)).person_cpr is None


async def test_a_new_login_after_logout_in_the_same_browser_starts_a_new_conversation(
    app, db: AsyncSession
) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    aviajas = (await browser.say("Aviajas hemmelighed")).json["conversation_id"]
    await browser.request("POST", "/auth/logout", json={})

    await browser.login(MALIK)
    history = (await browser.history()).json
    assert history["conversation_id"] not in (None, aviajas)
    assert history["messages"] == [] and history["authenticated"] is True
    assert (await browser.say("hej")).json["conversation_id"] == history["conversation_id"]


async def test_log_out_in_the_chat_ends_the_browsers_session(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    cid = (await browser.say("hej")).json["conversation_id"]
    token = browser.token

    _, response = await app.asgi_client.post(f"/internal/conversations/{cid}/logout", headers=AUTH)
    assert response.status == 200
    assert (await db.execute(select(WebSession))).scalars().all() == []
    assert (await db.get(Conversation, cid)).person_cpr is None
    history = (await Browser(app, token=token).history()).json
    assert (history["conversation_id"], history["messages"]) == (None, [])
    new = (await Browser(app, token=token).say("hej igen")).json["conversation_id"]
    assert new != cid


async def test_the_widgets_answer_to_log_out_says_the_session_ended_and_clears_the_cookie(
    app, db: AsyncSession, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await seed_registers(db)

    async def rasa(request: httpx.Request) -> httpx.Response:
        """What the action server does on "log out": the internal API ends the session mid-turn."""
        body = json.loads(request.content)
        if body.get("message") != "log ud":
            return httpx.Response(200, json=[])
        async with sessions() as other:
            await web_sessions.end_for_conversation(other, body["sender"])
            await other.commit()
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": "Du er logget ud."}])

    app.ctx.rasa_transport = httpx.MockTransport(rasa)
    browser = Browser(app)
    await browser.login(AVIAJA)
    answer = (await browser.say("log ud")).json
    assert answer["session_ended"] is True and answer["authenticated"] is False
    assert [m["text"] for m in answer["messages"]] == ["Du er logget ud."]
    assert browser.token is None  # the cookie was cleared by this very answer


async def test_the_answers_say_whether_the_browser_is_logged_in(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    assert (await browser.say("hej")).json["authenticated"] is False
    assert (await browser.history()).json["authenticated"] is False
    await browser.login(AVIAJA)
    assert (await browser.say("hej")).json["authenticated"] is True
    assert (await browser.history()).json["authenticated"] is True


async def test_a_logged_in_session_lives_the_idle_time_and_an_anonymous_one_longer(
    app, db: AsyncSession, settings
) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.say("hej")
    anonymous = (await _session_row(db)).expires_at - datetime.now(UTC)
    assert timedelta(minutes=settings.session_ttl_minutes - 1) < anonymous
    await browser.login(AVIAJA)
    row = await _session_row(db)
    logged_in = row.expires_at - datetime.now(UTC)
    assert timedelta(minutes=14) < logged_in <= timedelta(minutes=settings.citizen_idle_minutes)
    assert (await db.get(Conversation, row.conversation_id)).bound_until == row.expires_at


async def test_polling_the_history_does_not_keep_a_logged_in_session_alive(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    soon = datetime.now(UTC) + timedelta(minutes=5)
    await db.execute(update(WebSession).values(expires_at=soon))
    await db.commit()
    await browser.history()
    assert (await _session_row(db)).expires_at == soon
    await browser.say("hej")  # the citizen's own activity does
    assert (await _session_row(db)).expires_at > soon + timedelta(minutes=9)


async def test_coming_back_after_the_idle_time_shows_once_that_the_login_ended(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    cid = (await browser.say("Jeg vil søge boligsikring", language="da")).json["conversation_id"]
    token = browser.token
    await _expire(db)

    assert (await browser.request("GET", "/")).status == 200  # the page itself loads first
    history = (await browser.history()).json
    assert history["session_ended"] is True and history["authenticated"] is False
    assert (history["conversation_id"], history["messages"]) == (None, [])
    assert history["notice"] == {
        "text": translate("da", SESSION_ENDED),
        "buttons": [{"title": translate("da", LOG_IN_AGAIN), "payload": "/auth/login"}],
    }
    assert browser.token is None  # cleared
    again = (await Browser(app, token=token).history()).json
    assert "notice" not in again and again["conversation_id"] is None  # said once
    assert (await db.get(Conversation, cid)).person_cpr is None
    assert (await db.execute(select(WebSession))).scalars().all() == []
    entry = (
        (await db.execute(select(AuditEntry).where(AuditEntry.action == "citizen_session_idle_ended")))
        .scalars()
        .one()
    )
    assert (entry.actor, entry.person_cpr) == ("system", AVIAJA)


async def test_the_first_message_after_the_idle_time_gets_the_notice_and_does_not_reach_the_assistant(
    app, db: AsyncSession
) -> None:
    rasa = FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    await browser.say("hej", language="sv")
    await _expire(db)
    answer: dict[str, Any] = (await browser.say("ja")).json
    assert answer["session_ended"] is True and answer["conversation_id"] is None
    assert [m["text"] for m in answer["messages"]] == [translate("sv", SESSION_ENDED)]
    assert rasa.messages == ["hej"]
    follow_up = (await browser.say("hej")).json  # then a fresh anonymous conversation
    assert follow_up["conversation_id"] is not None and follow_up["authenticated"] is False


async def test_an_expired_anonymous_session_ends_without_a_notice(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("hej")
    await _expire(db)
    history = (await browser.history()).json
    assert history == {"conversation_id": None, "language": None, "messages": [], "authenticated": False}
    assert (await db.execute(select(WebSession))).scalars().all() == []


async def test_log_out_in_the_chat_after_an_eid_login_also_names_the_providers_logout(
    settings, engine, db: AsyncSession, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """As `POST /auth/logout` does: the answer sends the browser on to end the eID provider's session."""
    issuer = "https://eid.example.gl"
    configured = replace(
        settings, oidc_issuer=issuer, oidc_client_id="inissiaq", oidc_client_secret=Secret("s" * 32)
    )
    app = create_app(configured, name="inissiaq_test_chat_logout_eid")
    discovery = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/session/end",
    }
    app.ctx.oidc_transport = httpx.MockTransport(lambda request: httpx.Response(200, json=discovery))

    async def rasa(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        async with sessions() as other:
            await web_sessions.end_for_conversation(other, body["sender"])
            await other.commit()
        return httpx.Response(200, json=[{"recipient_id": body["sender"], "text": "Du er logget ud."}])

    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    await db.execute(update(WebSession).values(eid_login=True))
    await db.commit()
    app.ctx.rasa_transport = httpx.MockTransport(rasa)
    answer = (await browser.say("log ud")).json
    assert answer["session_ended"] is True
    url = httpx.URL(answer["end_session_url"])
    assert (url.scheme, url.host, url.path) == ("https", "eid.example.gl", "/session/end")
    assert "id_token_hint" not in url.params and url.params["client_id"] == "inissiaq"
