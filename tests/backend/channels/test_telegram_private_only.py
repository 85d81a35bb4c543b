"""Telegram serves private chats only: an update from a group, supergroup or channel gets one neutral
notice and nothing else (no bot turn, no conversation, no binding); a private chat's sender name is
kept as "first name + initial" for the one-time link's page."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select
from telegram import User

from backend.app import create_app
from backend.channels import texts
from backend.channels.telegram import display_name
from backend.config import Secret
from backend.models.conversations import Conversation
from backend.models.outbox import InboundMessage, OutboxMessage
from backend.models.states import InboundState
from backend.nlg import translate
from tests.backend.channels.support import FakeRasa
from tests.backend.channels.test_sms import run_inbound
from tests.backend.channels.test_telegram import SECRET, post
from tests.fakes.telegram_api import callback_update, text_update

GROUP = -1001234567


@pytest.fixture
def tg_app(settings, engine):  # type: ignore[no-untyped-def]
    configured = replace(
        settings, telegram_bot_token=Secret("123:abc"), telegram_webhook_secret=Secret(SECRET)
    )
    return create_app(configured, name=f"inissiaq_test_tg_private_{id(configured)}")


def _in_chat(update: dict, chat_type: str, chat_id: int = GROUP) -> dict:
    """The update as it arrives from a chat of `chat_type` (its sender stays a person)."""
    message = update.get("message") or update["callback_query"]["message"]
    message["chat"] = {"id": chat_id, "type": chat_type, "title": "Naboerne"}
    return update


async def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return (await db.execute(select(func.count()).select_from(model))).scalar_one()


async def _notices(db) -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    return list((await db.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


@pytest.mark.parametrize("chat_type", ["group", "supergroup"])
async def test_a_group_message_gets_one_neutral_notice_and_no_turn(tg_app, sessions, db, chat_type) -> None:
    rasa = FakeRasa().install(tg_app)
    update = _in_chat(text_update(30, 5555, "Hvad er status på min ansøgning?", from_id=5555), chat_type)
    assert (await post(tg_app, update)).status == 200
    (notice,) = await _notices(db)
    assert (notice.recipient, notice.kind, notice.person_cpr) == (str(GROUP), "group_notice", None)
    assert notice.text == translate("da", texts.PRIVATE_CHAT_ONLY)  # the sender's Telegram language
    assert await run_inbound(tg_app, sessions) == 0
    assert rasa.requests == []
    assert await _count(db, Conversation) == 0
    (stored,) = (await db.execute(select(InboundMessage))).scalars().all()
    assert (stored.status, stored.kind, stored.text, stored.conversation_id) == (
        InboundState.DONE,
        "ignored",
        "",
        None,
    )


async def test_a_busy_group_gets_the_notice_once_and_a_retried_update_is_not_answered_again(
    tg_app, db
) -> None:
    for update_id in (31, 31, 32, 33):
        update = _in_chat(
            text_update(update_id, 6000 + update_id, "hej alle", from_id=6000 + update_id), "group"
        )
        assert (await post(tg_app, update)).status == 200
    assert len(await _notices(db)) == 1
    assert await _count(db, InboundMessage) == 3  # each update once


async def test_a_button_press_in_a_group_is_not_a_turn(tg_app, sessions, db) -> None:
    rasa = FakeRasa().install(tg_app)
    update = _in_chat(callback_update(40, 7777, "/affirm"), "supergroup")
    assert (await post(tg_app, update)).status == 200
    assert await run_inbound(tg_app, sessions) == 0
    assert rasa.requests == [] and await _count(db, Conversation) == 0
    assert [n.recipient for n in await _notices(db)] == [str(GROUP)]


async def test_a_channel_post_gets_the_notice_and_nothing_else(tg_app, sessions, db) -> None:
    rasa = FakeRasa().install(tg_app)
    update = {
        "update_id": 50,
        "channel_post": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": GROUP, "type": "channel", "title": "Nyheder"},
            "text": "Jeg vil søge boligsikring",
        },
    }
    assert (await post(tg_app, update)).status == 200
    assert await run_inbound(tg_app, sessions) == 0
    assert rasa.requests == [] and await _count(db, Conversation) == 0
    (notice,) = await _notices(db)
    assert notice.text == translate("kl", texts.PRIVATE_CHAT_ONLY)  # no sender language: the default


async def test_a_private_chat_is_still_served_and_its_sender_name_kept(tg_app, sessions, db) -> None:
    FakeRasa().install(tg_app)
    update = text_update(60, 4343, "hej", first_name="Aviaja", last_name="Lyberth")
    assert (await post(tg_app, update)).status == 200
    (stored,) = (await db.execute(select(InboundMessage))).scalars().all()
    assert stored.sender_name == "Aviaja L."
    assert await run_inbound(tg_app, sessions) == 1
    (reply,) = await _notices(db)
    assert (reply.kind, reply.recipient) == ("bot_reply", "4343")


@pytest.mark.parametrize(
    ("first", "last", "shown"),
    [
        ("Aviaja", "Lyberth", "Aviaja L."),
        ("Malik", None, "Malik"),
        # direction overrides and invisible characters go
        ("  Karin\u202e\u200b  ", "\u202dÅberg", "Karin Å."),
        ("\u200b", "X", None),
        ("A" * 80, None, "A" * 32),
    ],
)
def test_a_display_name_is_the_first_name_and_an_initial_without_control_characters(
    first: str, last: str | None, shown: str | None
) -> None:
    assert display_name(User(id=1, is_bot=False, first_name=first, last_name=last)) == shown


def test_a_bot_or_no_user_has_no_display_name() -> None:
    assert display_name(None) is None
    assert display_name(User(id=1, is_bot=True, first_name="Spam")) is None
