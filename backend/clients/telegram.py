"""Telegram through python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE` when set (tests).

Errors: flood control (429, `RetryAfter`) is temporary with Telegram's wait; timeouts, 5xx and network
errors are temporary; a blocked bot (403), a bad request (400) or a rejected token (401/404) are
permanent. Reasons never contain the token (PTB puts it in `InvalidToken`'s message) or the text.

Link previews are off on every message: a preview would fetch the one-time login link (and show its
page in the chat) without the citizen having opened it.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from datetime import timedelta

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBDeprecationWarning

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.config import Settings

log = logging.getLogger("inissiaq.clients.telegram")
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def _callback_data(payload: str) -> str:
    """The payload cut to 64 bytes of UTF-8, without splitting a character."""
    return payload.encode()[:MAX_CALLBACK_BYTES].decode(errors="ignore")


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | None:
    """One button per row; the payload is the callback data."""
    if not message.buttons:
        return None
    rows = [[InlineKeyboardButton(b.title, callback_data=_callback_data(b.payload))] for b in message.buttons]
    return InlineKeyboardMarkup(rows)


def _retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns that `retry_after` becomes a timedelta
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramClient:
    """Sends to the chat id in `Outgoing.to`, buttons as an inline keyboard; returns the message id."""

    channel = "telegram"

    def __init__(self, settings: Settings) -> None:
        base = settings.telegram_api_base.rstrip("/")
        urls = {"base_url": f"{base}/bot", "base_file_url": f"{base}/file/bot"} if base else {}
        self._token = settings.telegram_bot_token.reveal()
        self._bot = Bot(self._token, **urls)
        self._initialized = False
        self._lock = asyncio.Lock()

    async def _ready(self) -> Bot:
        """`Bot.initialize` once (it calls getMe, which also proves the token)."""
        if not self._initialized:
            async with self._lock:
                if not self._initialized:
                    await self._bot.initialize()
                    self._initialized = True
        return self._bot

    async def send(self, message: Outgoing) -> str:
        try:
            chat_id = int(message.to)
        except ValueError:
            raise PermanentFailure("telegram: the chat id is not a number") from None
        try:
            bot = await self._ready()
            sent = await bot.send_message(
                chat_id=chat_id,
                text=message.text,
                reply_markup=keyboard(message),
                link_preview_options=NO_PREVIEW,
            )
        except RetryAfter as error:
            raise TemporaryFailure(
                "telegram 429: flood control", retry_after=_retry_seconds(error)
            ) from error
        except InvalidToken as error:
            raise PermanentFailure("telegram: the bot token was rejected") from error
        except (Forbidden, BadRequest) as error:  # BadRequest is a NetworkError: before it
            raise PermanentFailure(self._reason(error)) from error
        except ChatMigrated as error:
            raise PermanentFailure("telegram: the chat moved to a supergroup") from error
        except (TimedOut, NetworkError) as error:
            raise TemporaryFailure(self._reason(error)) from error
        except TelegramError as error:
            raise TemporaryFailure(f"telegram: {type(error).__name__}") from error
        return str(sent.message_id)

    def _reason(self, error: TelegramError) -> str:
        text = f"telegram {type(error).__name__}: {error.message}"
        return (text.replace(self._token, "<token>") if self._token else text)[:300]

    async def answer_callback_query(self, callback_query_id: str) -> None:
        """Stop a pressed button's spinner. Best effort: failures are logged, never raised."""
        try:
            bot = await self._ready()
            await bot.answer_callback_query(callback_query_id)
        except TelegramError as error:
            log.info("telegram: callback query not answered: %s", type(error).__name__)

    async def close(self) -> None:
        await self._bot.shutdown()  # a no-op when never initialized
        self._initialized = False
