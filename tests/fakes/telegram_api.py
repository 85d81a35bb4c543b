"""A fake of the Telegram Bot API: token in the path, the methods python-telegram-bot calls, Telegram's
answers and errors (401, 400, 403 blocked, 429 with retry_after), and scripted failures.

    fake = FakeTelegram(token)
    await fake.start()            # or fake.start_in_thread() from synchronous tests
    settings = replace(settings, telegram_api_base=fake.base_url, ...)   # Bot(base_url=.../bot)
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

MAX_TEXT = 4096
MAX_CALLBACK_BYTES = 64
BOT_USER = {
    "id": 1,
    "is_bot": True,
    "first_name": "Inissiaq",
    "username": "inissiaq_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class BadRequest(Exception):
    """A 400 answer: `str(error)` is Telegram's description without the "Bad Request: " prefix."""


class FakeTelegram(FakeServer):
    """`/bot{token}/{method}` for getMe, sendMessage, answerCallbackQuery, setWebhook, deleteWebhook.

    `.calls` lists the methods called with the right token. `.sent` records accepted messages: message_id, chat_id, text, reply_markup (parsed),
    link_preview_options (parsed; None when not given), time (monotonic). `.callback_answers` the answered callback query ids; `.webhook` the last setWebhook
    parameters (None after deleteWebhook).
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token
        self.sent: list[dict[str, Any]] = []
        self.callback_answers: list[str] = []
        self.webhook: dict[str, Any] | None = None
        self.calls: list[str] = []  # every authorised method called, in order
        self._failures: list[int] = []
        self._retry_after: dict[int, int] = {}
        self._blocked: set[int] = set()
        self._next_id = 1
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, bytes)
        self._next_file = 1

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/bot{token}/{method}", self.call)
        app.router.add_get("/bot{token}/{method}", self.call)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)

    def add_file(self, data: bytes, name: str = "file.bin") -> str:
        """A file a user sent (a photo or a document); its file_id for an update."""
        file_id = f"F{self._next_file}"
        with self.lock:
            self._next_file += 1
            self.files[file_id] = (f"documents/{file_id}_{name}", data)
        return file_id

    async def download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self.error(401, "Unauthorized")
        with self.lock:
            found = next(
                (data for path, data in self.files.values() if path == request.match_info["path"]), None
            )
        if found is None:
            return self.error(404, "Not Found")
        return web.Response(body=found, content_type="application/octet-stream")

    def get_file(self, params: dict[str, Any]) -> web.Response:
        with self.lock:
            found = self.files.get(str(params.get("file_id", "")))
        if found is None:
            raise BadRequest("invalid file_id")
        file_id = str(params["file_id"])
        return self.ok(
            {
                "file_id": file_id,
                "file_unique_id": "u" + file_id,
                "file_size": len(found[1]),
                "file_path": found[0],
            }
        )

    # Scripting -------------------------------------------------------------------------------
    def fail_next(self, n: int, status: int = 500) -> None:
        """The next n sendMessage calls answer `status` (getMe and the others are not affected)."""
        with self.lock:
            self._failures += [status] * n

    def retry_after_next(self, chat_id: int, seconds: int) -> None:
        """The next sendMessage to `chat_id` answers 429 with `parameters.retry_after` = seconds."""
        with self.lock:
            self._retry_after[int(chat_id)] = seconds

    def block(self, chat_id: int) -> None:
        """Every sendMessage to `chat_id` answers 403: the user blocked the bot."""
        with self.lock:
            self._blocked.add(int(chat_id))

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.sent if m["chat_id"] == int(chat_id)]

    # The API --------------------------------------------------------------------------------
    @staticmethod
    def error(status: int, description: str, **extra: Any) -> web.Response:
        return web.json_response(
            {"ok": False, "error_code": status, "description": description, **extra}, status=status
        )

    @staticmethod
    def ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        """Query string, JSON body or form body (PTB posts forms with JSON-encoded nested values)."""
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST":
            if request.content_type == "application/json":
                body = await request.json()
                params.update(body if isinstance(body, dict) else {})
            else:
                params.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
        return params

    async def call(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self.error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        with self.lock:
            self.calls.append(method)
        try:
            if method == "getMe":
                return self.ok(BOT_USER)
            if method == "setWebhook":
                if not params.get("url"):
                    raise BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
                with self.lock:
                    self.webhook = params
                return self.ok(True)
            if method == "deleteWebhook":
                with self.lock:
                    self.webhook = None
                return self.ok(True)
            if method == "answerCallbackQuery":
                if not params.get("callback_query_id"):
                    raise BadRequest("QUERY_ID_INVALID")
                with self.lock:
                    self.callback_answers.append(str(params["callback_query_id"]))
                return self.ok(True)
            if method == "sendMessage":
                return self.send_message(params)
            if method == "getFile":
                return self.get_file(params)
        except BadRequest as error:
            return self.error(400, f"Bad Request: {error}")
        return self.error(404, "Not Found")

    def send_message(self, params: dict[str, Any]) -> web.Response:
        with self.lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self.error(failure, "Internal Server Error" if failure >= 500 else "Scripted failure")
        if params.get("chat_id") in (None, ""):
            raise BadRequest("chat_id is empty")
        try:
            chat_id = int(params["chat_id"])
        except (TypeError, ValueError):
            raise BadRequest("chat not found") from None
        text = str(params.get("text") or "")
        if not text.strip():
            raise BadRequest("message text is empty")
        if len(text) > MAX_TEXT:
            raise BadRequest("message is too long")
        markup = _reply_markup(params.get("reply_markup"))
        preview = _json_object(params.get("link_preview_options"), "link_preview_options")
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
                {
                    "message_id": message_id,
                    "chat_id": chat_id,
                    "text": text,
                    "reply_markup": markup,
                    "link_preview_options": preview,
                    "time": time.monotonic(),
                }
            )
        result: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
            "from": BOT_USER,
            "text": text,
        }
        if markup:
            result["reply_markup"] = markup
        return self.ok(result)


def _json_object(raw: Any, field: str) -> dict[str, Any] | None:
    """An optional object parameter (PTB sends nested objects JSON-encoded in a form); None when absent."""
    if raw in (None, ""):
        return None
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise BadRequest(f"can't parse {field} JSON object") from None
    if not isinstance(value, dict):
        raise BadRequest(f"can't parse {field} JSON object")
    return value


def _reply_markup(raw: Any) -> dict[str, Any] | None:
    """Parse and check an inline keyboard as Telegram does; None when absent."""
    if raw in (None, ""):
        return None
    try:
        markup = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise BadRequest("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise BadRequest("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        return markup  # other keyboard kinds are not checked
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise BadRequest('field "inline_keyboard" must be an Array of Arrays')
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise BadRequest('can\'t parse inline keyboard button: Field "text" must be of type String')
            data = button.get("callback_data")
            if data is None and not button.get("url"):
                raise BadRequest(
                    "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                )
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_BYTES:
                raise BadRequest("BUTTON_DATA_INVALID")
    return markup


def text_update(
    update_id: int,
    chat_id: int,
    text: str,
    from_id: int | None = None,
    *,
    chat_type: str = "private",
    first_name: str = "Test",
    last_name: str | None = None,
) -> dict[str, Any]:
    """What Telegram posts to the webhook for a text message (in a private chat unless `chat_type`)."""
    chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        chat.update(first_name=first_name, **({"last_name": last_name} if last_name else {}))
    else:
        chat["title"] = "A group"
    sender: dict[str, Any] = {
        "id": chat_id if from_id is None else from_id,
        "is_bot": False,
        "first_name": first_name,
        "language_code": "da",
    }
    if last_name:
        sender["last_name"] = last_name
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": chat,
            "from": sender,
            "text": text,
        },
    }


def callback_update(update_id: int, chat_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
    """What Telegram posts when an inline keyboard button of message `message_id` is pressed."""
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
                "chat": {"id": chat_id, "type": "private", "first_name": "Test"},
                "from": {"id": BOT_USER["id"], "is_bot": True, "first_name": BOT_USER["first_name"]},
                "text": "…",
            },
        },
    }


def document_update(
    update_id: int, chat_id: int, file_id: str, file_name: str, mime_type: str
) -> dict[str, Any]:
    """What Telegram posts for a document (a file sent as a file), without a caption."""
    update = text_update(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"]["document"] = {
        "file_id": file_id,
        "file_unique_id": "u" + file_id,
        "file_name": file_name,
        "mime_type": mime_type,
    }
    return update


def photo_update(update_id: int, chat_id: int, file_ids: list[str]) -> dict[str, Any]:
    """What Telegram posts for a photo: the same picture in several sizes, the largest last."""
    update = text_update(update_id, chat_id, "")
    del update["message"]["text"]
    update["message"]["photo"] = [
        {"file_id": fid, "file_unique_id": "u" + fid, "width": 90 * (n + 1), "height": 60 * (n + 1)}
        for n, fid in enumerate(file_ids)
    ]
    return update
