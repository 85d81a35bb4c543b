"""The Telegram webhook: the secret token header, update_id replays, text and button presses."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from backend.app import create_app
from backend.channels import texts
from backend.config import Secret
from backend.models.conversations import Conversation
from backend.models.outbox import InboundMessage, OutboxMessage
from backend.nlg import translate
from tests.backend.channels.support import FakeRasa
from tests.backend.channels.test_sms import run_inbound

SECRET = "test-telegram-secret"
CHAT = 424242


@pytest.fixture
def tg_app(settings, engine):  # type: ignore[no-untyped-def]
    configured = replace(
        settings, telegram_bot_token=Secret("123:abc"), telegram_webhook_secret=Secret(SECRET)
    )
    return create_app(configured, name=f"inissiaq_test_tg_{id(configured)}")


def text_update(update_id: int, text: str, chat: int = CHAT) -> dict:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat, "type": "private"},
            "from": {"id": chat, "is_bot": False, "first_name": "Test"},
            "text": text,
        },
    }


def callback_update(update_id: int, data: str, chat: int = CHAT) -> dict:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "chat_instance": "1",
            "from": {"id": chat, "is_bot": False, "first_name": "Test"},
            "data": data,
            "message": {
                "message_id": 7,
                "date": 1_700_000_000,
                "chat": {"id": chat, "type": "private"},
                "text": "?",
            },
        },
    }


async def post(app, body: object, secret: str | None = SECRET):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    _, response = await app.asgi_client.post("/webhooks/telegram", content=raw, headers=headers)
    return response


async def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return (await db.execute(select(func.count()).select_from(model))).scalar_one()


@pytest.mark.parametrize("secret", [None, "wrong", ""])
async def test_a_missing_or_wrong_secret_token_is_refused(tg_app, db, secret) -> None:
    response = await post(tg_app, text_update(1, "hej"), secret=secret)
    assert response.status == 403
    assert await count(db, InboundMessage) == 0 and await count(db, Conversation) == 0


async def test_without_a_configured_secret_everything_is_refused(settings, engine, db) -> None:
    app = create_app(replace(settings, telegram_webhook_secret=Secret("")), name="inissiaq_test_tg_nosecret")
    assert (await post(app, text_update(1, "hej"), secret="")).status == 403


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"update_id": "x"}', b"{}"])
async def test_garbage_is_a_clear_400(tg_app, db, body) -> None:
    response = await post(tg_app, body)
    assert response.status == 400
    assert await count(db, InboundMessage) == 0


async def test_a_replayed_update_id_is_queued_once(tg_app, db) -> None:
    for _ in range(3):
        assert (await post(tg_app, text_update(10, "Hej"))).status == 200
    queued = (await db.execute(select(InboundMessage))).scalars().all()
    assert [(m.channel, m.sender, m.text) for m in queued] == [("telegram", str(CHAT), "Hej")]


async def test_start_command_greets_and_a_button_press_sends_its_payload(tg_app, db) -> None:
    await post(tg_app, text_update(11, "/start"))
    await post(tg_app, callback_update(12, "/affirm"))
    texts_ = (await db.execute(select(InboundMessage.text).order_by(InboundMessage.id))).scalars().all()
    assert texts_ == ["/greet", "/affirm"]


async def test_a_sticker_gets_a_polite_text_only_answer(tg_app, db) -> None:
    update = text_update(13, "x")
    del update["message"]["text"]
    update["message"]["sticker"] = {
        "file_id": "f",
        "file_unique_id": "u",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
        "type": "regular",
    }
    assert (await post(tg_app, update)).status == 200
    (reply,) = (await db.execute(select(OutboxMessage))).scalars().all()
    assert reply.text == translate("kl", texts.ONLY_TEXT) and reply.recipient == str(CHAT)


async def test_replies_go_out_with_an_inline_keyboard(tg_app, sessions, db) -> None:
    FakeRasa().install(tg_app)
    await post(tg_app, text_update(20, "hej"))
    assert await run_inbound(tg_app, sessions) == 1
    reply = (await db.execute(select(OutboxMessage))).scalars().one()
    assert (reply.channel, reply.recipient, reply.text) == ("telegram", str(CHAT), "echo: hej")
    assert reply.buttons == [{"title": "Yes", "payload": "/affirm"}]
