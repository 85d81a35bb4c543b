"""A fake of the Telegram Bot API: token in the path, the methods python-telegram-bot calls, Telegram's
answers and errors (401, 400, 403 blocked, 429 with retry_after), and scripted failures."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer


class FakeTelegram(FakeServer):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.sent: list[dict[str, Any]] = []
        self.callback_answers: list[str] = []
        self._failures: list[int] = []
        self._retry_after: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._next_id = 1

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self.call)
        app.router.add_get("/bot{token}/{method}", self.call)

    def fail_next(self, n: int, status: int = 500) -> None:
        with self.lock:
            self._failures += [status] * n

    def retry_after_next(self, chat_id: int, seconds: int) -> None:
        with self.lock:
            self._retry_after[chat_id] = seconds

    def block(self, chat_id: int) -> None:
        with self.lock:
            self._blocked.add(chat_id)

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.sent if m["chat_id"] == chat_id]

    @staticmethod
    def error(status: int, description: str, **extra: Any) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": status, "description": description, **extra}, status=status
        )

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            body = await request.json()
            return body if isinstance(body, dict) else {}
        return dict(await request.post())

    async def call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self.error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        if method == "getMe":
            return web.json_response(
                {
                    "ok": True,
                    "result": {"id": 1, "is_bot": True, "first_name": "Inissiaq", "username": "inissiaq_bot"},
                }
            )
        if method in ("setWebhook", "deleteWebhook"):
            return web.json_response({"ok": True, "result": True})
        if method == "answerCallbackQuery":
            with self.lock:
                self.callback_answers.append(str(params.get("callback_query_id")))
            return web.json_response({"ok": True, "result": True})
        if method == "sendMessage":
            return self.send_message(params)
        return self.error(404, "Not Found: method not found")

    def send_message(self, params: dict[str, Any]) -> web.Response:
        with self.lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self.error(failure, "Internal Server Error")
        try:
            chat_id = int(params.get("chat_id", ""))
        except ValueError:
            return self.error(400, "Bad Request: chat not found")
        text = str(params.get("text") or "")
        if not text.strip():
            return self.error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return self.error(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        for row in (markup or {}).get("inline_keyboard", []):
            for button in row:
                if len(str(button.get("callback_data", "")).encode()) > 64:
                    return self.error(400, "Bad Request: BUTTON_DATA_INVALID")
        with self.lock:
            if chat_id in self._blocked:
                return self.error(403, "Forbidden: bot was blocked by the user")
            wait = self._retry_after.pop(chat_id, None)
            if wait is not None:
                return self.error(
                    429, f"Too Many Requests: retry after {wait}", parameters={"retry_after": wait}
                )
            message_id = self._next_id
            self._next_id += 1
            self.sent.append(
                {"chat_id": chat_id, "text": text, "reply_markup": markup, "time": time.monotonic()}
            )
        return web.json_response(
            {
                "ok": True,
                "result": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "text": text,
                },
            }
        )


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    """What Telegram posts to the webhook for a text message."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test", "language_code": "da"},
            "text": text,
        },
    }


def callback_update(update_id: int, chat_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
    """What Telegram posts when an inline keyboard button is pressed."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cq{update_id}",
            "chat_instance": str(chat_id),
            "from": {"id": chat_id, "is_bot": False, "first_name": "Test"},
            "data": data,
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"},
                "text": "…",
            },
        },
    }
