"""Telegram through python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE` when set (tests)."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.config import Settings

log = logging.getLogger("inissiaq.clients.telegram")
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    """One button per row; the payload is the callback data (cut to Telegram's 64 bytes)."""
    if not message.buttons:
        return None
    rows = [
        [
            InlineKeyboardButton(
                b.title, callback_data=b.payload.encode()[:MAX_CALLBACK_BYTES].decode(errors="ignore")
            )
        ]
        for b in message.buttons
    ]
    return InlineKeyboardMarkup(rows)


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramClient:
    channel = "telegram"

    def __init__(self, settings: Settings) -> None:
        base = settings.telegram_api_base.rstrip("/")
        kwargs = {"base_url": f"{base}/bot", "base_file_url": f"{base}/file/bot"} if base else {}
        self._bot = Bot(settings.telegram_bot_token.reveal(), **kwargs)
        self._initialized = False

    async def _ready(self) -> Bot:
        if not self._initialized:
            await self._bot.initialize()  # getMe: also proves the token
            self._initialized = True
        return self._bot

    async def send(self, message: Outgoing) -> str:
        try:
            bot = await self._ready()
            sent = await bot.send_message(
                chat_id=int(message.to), text=message.text, reply_markup=keyboard(message)
            )
        except RetryAfter as error:
            raise TemporaryFailure("telegram 429", retry_after=_seconds(error.retry_after)) from error
        except (Forbidden, BadRequest, InvalidToken) as error:  # BadRequest is a NetworkError: first
            raise PermanentFailure(f"telegram: {error.message}"[:300]) from error
        except (TimedOut, NetworkError) as error:
            raise TemporaryFailure(f"telegram: {type(error).__name__}") from error
        except ValueError as error:
            raise PermanentFailure("telegram: the chat id is not a number") from error
        except TelegramError as error:
            raise TemporaryFailure(f"telegram: {type(error).__name__}") from error
        return str(sent.message_id)

    async def answer_callback_query(self, callback_query_id: str) -> None:
        try:
            bot = await self._ready()
            await bot.answer_callback_query(callback_query_id)
        except TelegramError as error:
            log.info("callback query not answered: %s", type(error).__name__)

    async def close(self) -> None:
        if self._initialized:
            await self._bot.shutdown()
