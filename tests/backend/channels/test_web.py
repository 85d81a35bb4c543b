import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.channels import texts
from backend.conversations import service as conversations
from backend.models.conversations import ChatMessage, Conversation, WebSession
from backend.nlg import translate
from tests.backend.applications.factories import AVIAJA, seed_registers
from tests.backend.channels.support import Browser, FakeRasa
from tests.backend.limits.support import freeze_clock


async def test_a_first_message_starts_an_anonymous_conversation_and_sets_the_session_cookie(app) -> None:
    rasa = FakeRasa().install(app)
    browser = Browser(app)
    response = await browser.say("hej")

    assert response.status == 200
    body = response.json
    assert body["messages"] == [{"text": "echo: hej", "buttons": [{"title": "Yes", "payload": "/affirm"}]}]
    assert rasa.bodies[0]["sender"] == body["conversation_id"]
    assert browser.token
    cookie = browser.last_set_cookie.lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "max-age=3600" in cookie
    assert "secure" not in cookie  # development mode, plain http on loopback


async def test_the_session_cookie_is_secure_outside_development(settings, engine) -> None:
    app = create_app(replace(settings, mode="production"), name="inissiaq_test_web_production")
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("hej")
    assert "secure" in browser.last_set_cookie.lower()


async def test_the_database_keeps_only_a_hash_of_the_session_token(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("hej")
    stored = (await db.execute(select(WebSession))).scalars().one()
    assert stored.token_hash == hashlib.sha256(browser.token.encode()).hexdigest()
    assert browser.token not in {stored.token_hash, stored.conversation_id}


async def test_the_same_cookie_continues_the_same_conversation(app) -> None:
    rasa = FakeRasa().install(app)
    browser = Browser(app)
    first = (await browser.say("hej")).json["conversation_id"]
    second = (await browser.say("igen")).json["conversation_id"]
    assert first == second
    assert [b["sender"] for b in rasa.bodies] == [first, first]


@pytest.mark.parametrize("cookie", ["forged-token", "x" * 500, ""])
async def test_a_forged_cookie_gets_a_new_conversation_and_none_of_the_old_data(app, cookie: str) -> None:
    FakeRasa().install(app)
    owner = Browser(app)
    old = (await owner.say("min hemmelighed")).json["conversation_id"]

    stranger = Browser(app, token=cookie)
    history = await stranger.history()
    assert history.json == {"conversation_id": None, "language": None, "messages": [], "authenticated": False}
    answer = await stranger.say("hej")
    assert answer.json["conversation_id"] != old
    assert [m["text"] for m in (await stranger.history()).json["messages"]] == ["hej", "echo: hej"]


async def test_an_expired_session_is_anonymous_with_a_new_conversation(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    browser = Browser(app)
    old = (await browser.say("gammel besked")).json["conversation_id"]
    await db.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await db.commit()

    assert (await browser.history()).json["messages"] == []
    answer = await browser.say("hej")
    assert answer.json["conversation_id"] != old
    assert "gammel besked" not in answer.text
    assert [m["text"] for m in (await browser.history()).json["messages"]] == ["hej", "echo: hej"]


async def test_history_shows_only_the_sessions_own_conversation(app) -> None:
    FakeRasa().install(app)
    aviaja, malik = Browser(app), Browser(app)
    await aviaja.say("Aviajas besked")
    await malik.say("Maliks besked")

    aviaja_texts = [m["text"] for m in (await aviaja.history()).json["messages"]]
    malik_texts = [m["text"] for m in (await malik.history()).json["messages"]]
    assert aviaja_texts == ["Aviajas besked", "echo: Aviajas besked"]
    assert malik_texts == ["Maliks besked", "echo: Maliks besked"]
    assert [m["sender"] for m in (await aviaja.history()).json["messages"]] == ["citizen", "bot"]


async def test_history_after_an_id_gives_only_newer_messages(app) -> None:
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("en")
    first = (await browser.history()).json["messages"]
    await browser.say("to")
    newer = await browser.request("GET", f"/api/chat/history?after={first[-1]['id']}")
    assert [m["text"] for m in newer.json["messages"]] == ["to", "echo: to"]


@pytest.mark.parametrize(
    ("content_type", "body", "status", "error"),
    [
        ("text/plain", b'{"text": "hej"}', 415, "unsupported_media_type"),
        ("application/x-www-form-urlencoded", b"text=hej", 415, "unsupported_media_type"),
        ("application/json", b"{not json", 400, "invalid_json"),
        ("application/json", b"\xff\xfe", 400, "invalid_json"),
        ("application/json", b'["hej"]', 400, "invalid_json"),
        ("application/json", b"{}", 400, "invalid_input"),
        ("application/json", b'{"text": 42}', 400, "invalid_input"),
        ("application/json", b'{"text": null}', 400, "invalid_input"),
        ("application/json", b'{"text": "hej", "language": "en"}', 400, "invalid_input"),
        ("application/json", b'{"text": "hej", "language": 1}', 400, "invalid_input"),
        ("application/json", b'{"text": "' + b"a" * 40_000 + b'"}', 413, "too_large"),
    ],
)
async def test_bad_requests_get_clear_json_answers_and_change_nothing(
    app, db: AsyncSession, content_type: str, body: bytes, status: int, error: str
) -> None:
    rasa = FakeRasa().install(app)
    response = await Browser(app).request(
        "POST", "/api/chat/messages", content=body, headers={"Content-Type": content_type}
    )
    assert response.status == status
    assert response.json["error"] == error
    assert rasa.requests == []
    assert (await db.execute(select(ChatMessage))).scalars().all() == []


async def test_a_message_over_the_limit_is_refused_politely_in_the_citizens_language(app) -> None:
    rasa = FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("hej", language="sv")
    response = await browser.say("å" * 2001)
    assert response.status == 200
    assert response.json["messages"] == [{"text": translate("sv", texts.TOO_LONG, limit=2000), "buttons": []}]
    assert rasa.messages == ["hej"]


async def test_html_is_kept_as_text_in_the_transcript(app) -> None:
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say('<img src=x onerror="alert(1)">')
    history = (await browser.history()).json["messages"]
    assert history[0]["text"] == '<img src=x onerror="alert(1)">'
    assert (await browser.history()).headers["content-type"].startswith("application/json")


async def test_the_answer_names_the_conversations_language(app) -> None:
    FakeRasa().install(app)
    browser = Browser(app)
    assert (await browser.say("Jag vill ansöka om bostadsbidrag")).json["language"] == "sv"
    assert (await browser.say('/choose_language{"language":"kl"}')).json["language"] == "kl"


async def test_resume_without_a_session_or_anything_pending_answers_no_messages(app) -> None:
    rasa = FakeRasa().install(app)
    browser = Browser(app)
    assert (await browser.request("POST", "/api/chat/resume", json={})).json["messages"] == []
    await browser.say("hej")
    assert (await browser.request("POST", "/api/chat/resume", json={})).json["messages"] == []
    assert rasa.messages == ["hej"]


async def test_resume_requires_json_like_every_post(app) -> None:
    response = await Browser(app).request(
        "POST", "/api/chat/resume", content=b"", headers={"Content-Type": "text/plain"}
    )
    assert response.status == 415


async def test_resume_after_login_runs_the_pending_intent_once(app, db: AsyncSession) -> None:
    rasa = FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    cid = (await browser.say("Jeg vil søge boligsikring nu")).json["conversation_id"]
    await db.execute(update(Conversation).where(Conversation.id == cid).values(pending_intent="apply"))
    await db.commit()
    assert (await browser.request("POST", "/api/chat/resume", json={})).json["messages"] == []  # anonymous

    assert (await browser.login(AVIAJA)).status == 200
    resumed = await browser.request("POST", "/api/chat/resume", json={})
    assert resumed.json["conversation_id"] == cid
    assert [m["text"] for m in resumed.json["messages"]] == ["echo: /apply_housing_benefit"]
    assert (await browser.request("POST", "/api/chat/resume", json={})).json["messages"] == []
    assert rasa.messages == ["Jeg vil søge boligsikring nu", "/apply_housing_benefit"]


async def test_sending_more_than_the_per_session_limit_of_chat_messages_within_a_minute_answers_429_with_retry_after(
    settings, engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    freeze_clock(monkeypatch)  # one second into the minute: every message falls in the same window
    app = create_app(replace(settings, chat_messages_per_minute=3), name="inissiaq_test_web_chat_limit")
    rasa = FakeRasa().install(app)
    browser = Browser(app)
    answers = [await browser.say(f"besked {n}", language="da") for n in range(4)]

    assert [a.status for a in answers] == [200, 200, 200, 429]
    refused = answers[-1]
    assert refused.headers["retry-after"] == "59"
    assert refused.json == {
        "error": "rate_limited",
        "message": translate("da", texts.TOO_MANY_MESSAGES),
        "retry_after": 59,
    }
    assert rasa.messages == ["besked 0", "besked 1", "besked 2"]  # the refused message never reached Rasa


async def test_a_turn_sent_again_with_its_client_message_id_gets_the_first_answer_once(
    app, db: AsyncSession
) -> None:
    rasa = FakeRasa().install(app)
    browser = Browser(app)
    first = await browser.say("ja", client_message_id="c0ffee-0001")
    again = await browser.say("ja", client_message_id="c0ffee-0001")
    assert first.status == again.status == 200
    assert again.json["messages"] == first.json["messages"]
    assert rasa.messages == ["ja"]
    assert rasa.bodies[0]["message_id"] == "c0ffee-0001"
    rows = (await db.execute(select(ChatMessage).order_by(ChatMessage.id))).scalars().all()
    assert [(row.sender, row.text) for row in rows] == [("citizen", "ja"), ("bot", "echo: ja")]


async def test_a_turn_stored_but_never_answered_is_asked_again_with_its_id_and_stored_once(
    app, db: AsyncSession
) -> None:
    """The instance that stored the citizen's message died before Rasa's answer came back: the turn
    sent again goes to Rasa with the same message id (Rasa repeats its answer if it took the message)."""
    rasa = FakeRasa().install(app)
    browser = Browser(app)
    cid = (await browser.say("hej")).json["conversation_id"]
    await conversations.append_message(db, cid, sender="citizen", text="nej", client_message_id="lost-turn-1")
    await db.commit()

    answer = await browser.say("nej", client_message_id="lost-turn-1")

    assert answer.status == 200
    assert answer.json["messages"][0]["text"] == "echo: nej"
    assert rasa.bodies[-1] == {
        "sender": cid,
        "message": "nej",
        "metadata": {"channel": "web"},
        "message_id": "lost-turn-1",
        "resent": True,
    }
    rows = (await db.execute(select(ChatMessage).order_by(ChatMessage.id))).scalars().all()
    assert [(row.sender, row.text) for row in rows][2:] == [("citizen", "nej"), ("bot", "echo: nej")]


async def test_a_new_client_message_id_is_a_new_turn_and_no_id_sends_none_to_rasa(app) -> None:
    rasa = FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("ja", client_message_id="turn-00001")
    await browser.say("ja", client_message_id="turn-00002")
    await browser.say("ja")
    assert rasa.messages == ["ja", "ja", "ja"]
    assert [body.get("message_id") for body in rasa.bodies] == ["turn-00001", "turn-00002", None]
    assert not any("resent" in body for body in rasa.bodies)


@pytest.mark.parametrize("client_message_id", ["short", 12345678, "x" * 65, "has spaces in it", "æøå-12345"])
async def test_a_malformed_client_message_id_is_refused_with_400_and_nothing_is_stored(
    app, db: AsyncSession, client_message_id: object
) -> None:
    rasa = FakeRasa().install(app)
    answer = await Browser(app).say("ja", client_message_id=client_message_id)
    assert answer.status == 400
    assert rasa.messages == []
    assert (await db.execute(select(ChatMessage))).scalars().all() == []
