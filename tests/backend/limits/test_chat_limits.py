"""The web chat's limits: turns per session and new anonymous sessions per client address."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from sanic import Sanic
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.channels import texts
from backend.config import Settings
from backend.models.conversations import WebSession
from backend.nlg import translate
from tests.backend.channels.support import Browser, FakeRasa
from tests.backend.limits.support import freeze_clock

_names = itertools.count()


def chat_app(settings: Settings, **overrides: object) -> Sanic:
    return create_app(replace(settings, **overrides), name=f"inissiaq_test_chat_limits_{next(_names)}")  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)


async def test_the_refusal_is_in_the_conversations_language(settings, engine) -> None:
    app = chat_app(settings, chat_messages_per_minute=1)
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("hej", language="sv")
    refused = await browser.say("igen", language="sv")
    assert refused.status == 429
    assert refused.json["message"] == translate("sv", texts.TOO_MANY_MESSAGES)
    assert refused.headers["retry-after"] == "59"


async def test_each_session_has_its_own_turns(settings, engine) -> None:
    app = chat_app(settings, chat_messages_per_minute=2)
    rasa = FakeRasa().install(app)
    first, second = Browser(app), Browser(app)
    assert [(await first.say(f"a{n}")).status for n in range(3)] == [200, 200, 429]
    assert [(await second.say(f"b{n}")).status for n in range(2)] == [200, 200]
    assert rasa.messages == ["a0", "a1", "b0", "b1"]


async def test_resuming_after_a_login_counts_as_a_turn(settings, engine) -> None:
    app = chat_app(settings, chat_messages_per_minute=1)
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("hej")
    resumed = await browser.request("POST", "/api/chat/resume", json={})
    assert resumed.status == 429 and "retry-after" in resumed.headers


async def test_two_instances_share_the_count_of_one_session(settings, engine) -> None:
    limited = replace(settings, chat_messages_per_minute=3)
    first, second = chat_app(limited), chat_app(limited)
    FakeRasa().install(first)
    rasa = FakeRasa().install(second)
    browser = Browser(first)
    await browser.say("one")
    await browser.say("two")
    elsewhere = Browser(second, token=browser.token)
    assert (await elsewhere.say("three")).status == 200
    assert (await elsewhere.say("four")).status == 429
    assert rasa.messages == ["three"]


async def test_a_flood_of_new_sessions_from_one_address_is_refused_before_anything_is_stored(
    settings, engine, db: AsyncSession
) -> None:
    app = chat_app(settings, new_sessions_per_minute=3)
    rasa = FakeRasa().install(app)
    answers = [await Browser(app).say("hej", language="da") for _ in range(5)]
    assert [a.status for a in answers] == [200, 200, 200, 429, 429]
    assert answers[-1].json["message"] == translate("da", texts.TOO_MANY_MESSAGES)
    assert answers[-1].headers["retry-after"] == "59"
    assert "set-cookie" not in answers[-1].headers
    assert (await db.execute(select(func.count()).select_from(WebSession))).scalar_one() == 3
    assert len(rasa.messages) == 3


async def test_existing_sessions_go_on_while_new_ones_from_the_address_are_refused(settings, engine) -> None:
    app = chat_app(settings, new_sessions_per_minute=1)
    FakeRasa().install(app)
    citizen = Browser(app)
    assert (await citizen.say("hej")).status == 200
    assert (await Browser(app).say("hej")).status == 429
    assert (await citizen.say("igen")).status == 200


async def test_new_sessions_are_counted_per_address_behind_a_trusted_proxy(settings, engine) -> None:
    app = chat_app(settings, new_sessions_per_minute=1, proxies_count=1)
    FakeRasa().install(app)
    flood = {"X-Forwarded-For": "203.0.113.9"}
    assert (
        await Browser(app).request("POST", "/api/chat/messages", json={"text": "a"}, headers=flood)
    ).status == 200
    assert (
        await Browser(app).request("POST", "/api/chat/messages", json={"text": "b"}, headers=flood)
    ).status == 429
    other = {"X-Forwarded-For": "198.51.100.7"}
    assert (
        await Browser(app).request("POST", "/api/chat/messages", json={"text": "c"}, headers=other)
    ).status == 200


async def test_reading_the_history_is_not_a_turn_and_creates_no_session(settings, engine) -> None:
    app = chat_app(settings, chat_messages_per_minute=1, new_sessions_per_minute=1)
    FakeRasa().install(app)
    browser = Browser(app)
    for _ in range(3):
        assert (await Browser(app).history()).status == 200
    assert (await browser.say("hej")).status == 200
    assert (await browser.history()).status == 200
