"""python-telegram-bot's Bot, through TelegramClient, against the local fake of the Bot API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Update

from backend.clients.base import Outgoing, OutgoingButton, PermanentFailure, TemporaryFailure
from backend.clients.telegram import TelegramClient
from backend.config import Secret, Settings
from tests.fakes.server import free_port
from tests.fakes.telegram_api import FakeTelegram, callback_update, text_update

TOKEN, CHAT = "123456:test-token", 4242

# PTB's own RetryAfter constructor warns that `retry_after` becomes a timedelta (the client does not).
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram(TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


def settings_for(api_base: str, token: str = TOKEN) -> Settings:
    return Settings(mode="development", telegram_bot_token=Secret(token), telegram_api_base=api_base)


@pytest.fixture
async def client(telegram: FakeTelegram) -> AsyncIterator[TelegramClient]:
    bot = TelegramClient(settings_for(telegram.base_url))
    yield bot
    await bot.close()


def message(text: str = "Hej", to: int | str = CHAT, buttons: list[OutgoingButton] | None = None) -> Outgoing:
    return Outgoing(channel="telegram", to=str(to), text=text, buttons=buttons or [], reference="9")


async def test_send_returns_the_message_id_after_one_get_me(client, telegram) -> None:
    assert await client.send(message("Første")) == "1"
    assert await client.send(message("Anden")) == "2"
    assert telegram.calls == ["getMe", "sendMessage", "sendMessage"]
    first, second = telegram.sent
    assert (first["message_id"], first["chat_id"], first["text"], first["reply_markup"]) == (
        1,
        CHAT,
        "Første",
        None,
    )
    assert second["text"] == "Anden"
    assert client.channel == "telegram"


async def test_buttons_become_an_inline_keyboard(client, telegram) -> None:
    long_payload = "/inform" + "æ" * 40  # 87 bytes of UTF-8: cut to 64 without splitting a character
    buttons = [
        OutgoingButton("Ja", "/affirm"),
        OutgoingButton("Nej", "/deny"),
        OutgoingButton("…", long_payload),
    ]
    await client.send(message("Er boligen rigtig?", buttons=buttons))
    (sent,) = telegram.sent
    rows = sent["reply_markup"]["inline_keyboard"]
    assert rows[:2] == [
        [{"text": "Ja", "callback_data": "/affirm"}],
        [{"text": "Nej", "callback_data": "/deny"}],
    ]
    (cut,) = rows[2]
    assert len(cut["callback_data"].encode()) <= 64 and long_payload.startswith(cut["callback_data"])
    assert len(cut["callback_data"].encode()) >= 63


async def test_flood_control_is_temporary_with_telegrams_wait(client, telegram) -> None:
    telegram.retry_after_next(CHAT, 7)
    with pytest.raises(TemporaryFailure) as limited:
        await client.send(message())
    assert limited.value.retry_after == 7.0
    assert await client.send(message()) == "1"  # only the next message to that chat was limited


async def test_the_wait_applies_to_that_chat_only(client, telegram) -> None:
    telegram.retry_after_next(5151, 30)
    assert await client.send(message(to=CHAT)) == "1"
    with pytest.raises(TemporaryFailure):
        await client.send(message(to=5151))


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_temporary(client, telegram, status) -> None:
    telegram.fail_next(1, status)
    with pytest.raises(TemporaryFailure) as failure:
        await client.send(message())
    assert failure.value.retry_after is None
    assert telegram.sent == []


async def test_a_blocked_bot_is_permanent(client, telegram) -> None:
    telegram.block(5151)
    with pytest.raises(PermanentFailure, match="blocked"):
        await client.send(message(to=5151))


@pytest.mark.parametrize(("text", "reason"), [(" ", "text is empty"), ("x" * 4097, "too long")])
async def test_bad_requests_are_permanent(client, telegram, text, reason) -> None:
    with pytest.raises(PermanentFailure, match=reason):
        await client.send(message(text))
    assert telegram.sent == []


async def test_a_chat_id_that_is_no_number_is_permanent_without_a_request(client, telegram) -> None:
    with pytest.raises(PermanentFailure, match="not a number"):
        await client.send(message(to="@someone"))
    assert telegram.calls == []


async def test_a_wrong_token_is_permanent_and_not_quoted(telegram) -> None:
    wrong = TelegramClient(settings_for(telegram.base_url, token="999:not-the-token"))
    try:
        with pytest.raises(PermanentFailure) as failure:
            await wrong.send(message())
        assert "not-the-token" not in failure.value.reason
    finally:
        await wrong.close()
    assert telegram.calls == [] and telegram.sent == []


async def test_an_unreachable_api_is_temporary() -> None:
    client = TelegramClient(settings_for(f"http://127.0.0.1:{free_port()}"))
    try:
        with pytest.raises(TemporaryFailure):
            await client.send(message())
    finally:
        await client.close()


async def test_callback_queries_are_answered_and_failures_swallowed(client, telegram) -> None:
    await client.answer_callback_query("cq1")
    assert telegram.callback_answers == ["cq1"]
    gone = TelegramClient(settings_for(f"http://127.0.0.1:{free_port()}"))
    try:
        await gone.answer_callback_query("cq2")  # logged, not raised
    finally:
        await gone.close()


async def test_the_default_api_is_telegrams() -> None:
    client = TelegramClient(settings_for(""))
    assert client._bot.base_url == f"https://api.telegram.org/bot{TOKEN}"
    await client.close()


async def test_the_fake_checks_inline_keyboards(telegram) -> None:
    from telegram import Bot
    from telegram.error import BadRequest

    bot = Bot(TOKEN, base_url=f"{telegram.base_url}/bot")
    async with bot:
        with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
            await bot.send_message(
                CHAT, "x", reply_markup={"inline_keyboard": [[{"text": "a", "callback_data": "y" * 65}]]}
            )
        await bot.set_webhook("https://inissiaq.example.gl/webhooks/telegram", secret_token="s3cret")
        assert telegram.webhook is not None and telegram.webhook["secret_token"] == "s3cret"
        await bot.delete_webhook()
        assert telegram.webhook is None


def test_the_update_helpers_parse_as_telegram_updates() -> None:
    text = Update.de_json(text_update(1, CHAT, "hej", from_id=77), None)
    assert text is not None and text.message is not None
    assert (text.message.chat.id, text.message.text, text.message.from_user.id) == (CHAT, "hej", 77)
    pressed = Update.de_json(callback_update(2, CHAT, "/affirm", message_id=5), None)
    assert pressed is not None and pressed.callback_query is not None
    assert pressed.callback_query.data == "/affirm"
    assert pressed.callback_query.message.message_id == 5


async def test_a_message_with_a_one_time_link_is_sent_without_a_link_preview(client, telegram) -> None:
    await client.send(message("Log ind her: https://boligsikring.example.gl/l/abcdefghijklmnopqrstuv"))
    await client.send(message("Hej"))
    assert [m["link_preview_options"] for m in telegram.sent] == [{"is_disabled": True}] * 2
