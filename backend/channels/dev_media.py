"""Development only (404 in production): where the phone simulator's files wait to be fetched.

The simulator (`/dev/phone`, backend/channels/dev.py) keeps each file it sends in `DEV_MEDIA_DIR`
(`keep`) and names it as the provider would. These routes play the providers for those files, so the
inbound worker's media clients (backend/clients/media.py, chosen by backend/clients/dev_media.py) fetch
them exactly as from Twilio and Telegram:

- `GET /dev/twilio/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media}`: Twilio's media address,
  with the account's credentials (HTTP Basic; 401 otherwise, as with "enforce HTTP auth on media");
- `POST /dev/telegram/bot{token}/getMe` and `…/getFile` and `GET /dev/telegram/file/bot{token}/{path}`:
  the Bot API's answers for the bot token of the settings (401 for another token).

A kept file is removed an hour after it was kept (when the next one is kept); nothing here is a
document: the product stores what the worker fetched, checked and encrypted, in its document storage.
"""

from __future__ import annotations

import hmac
import json as jsonlib
import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, json, raw

from backend.auth.login import development_only
from backend.config import DEV_FILE_ID_PREFIX, Settings

bp = Blueprint("dev_media", url_prefix="/dev")
KEEP_SECONDS = 3600
_KEY = re.compile(r"^[0-9a-f]{32}$")
TELEGRAM_BOT = {
    "id": 1,
    "is_bot": True,
    "first_name": "Inissiaq (development)",
    "username": "inissiaq_dev_bot",
}


@dataclass(frozen=True)
class KeptFile:
    key: str
    data: bytes
    content_type: str
    filename: str


def keep(settings: Settings, data: bytes, *, content_type: str, filename: str) -> str:
    """Keep one file of the simulator's until the worker fetches it; its random key."""
    directory = settings.dev_media_dir
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    _sweep(directory)
    key = secrets.token_hex(16)
    _write_private(directory / key, data)
    meta = {"content_type": content_type, "filename": filename}
    _write_private(directory / f"{key}.json", jsonlib.dumps(meta).encode())
    return key


def _write_private(path: Path, data: bytes) -> None:
    """A new file only its owner can read (what the simulator sends may be a real document)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)


def kept(settings: Settings, key: str) -> KeptFile | None:
    if not _KEY.match(key):
        return None
    path = settings.dev_media_dir / key
    try:
        meta = jsonlib.loads((settings.dev_media_dir / f"{key}.json").read_text())
        return KeptFile(key, path.read_bytes(), str(meta["content_type"]), str(meta["filename"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _sweep(directory: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in directory.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def _same(given: str, expected: str) -> bool:
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


# ---------------------------------------------------------------- Twilio's media API


@bp.get("/twilio/2010-04-01/Accounts/<sid>/Messages/<message>/Media/<media>")
async def twilio_media(request: Request, sid: str, message: str, media: str) -> HTTPResponse:
    settings = development_only(request)
    auth = request.credentials
    if (
        auth is None
        or auth.auth_type != "Basic"
        or not _same(sid, settings.twilio_account_sid)
        or not _same(auth.username or "", settings.twilio_account_sid)
        or not _same(auth.password or "", settings.twilio_auth_token.reveal())
    ):
        return json({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
    found = kept(settings, media.removeprefix("ME"))
    if not media.startswith("ME") or found is None:
        return json({"code": 20404, "message": "The requested resource was not found", "status": 404}, 404)
    return raw(found.data, content_type=found.content_type)


# ---------------------------------------------------------------- Telegram's Bot API


def _telegram_error(status: int, description: str) -> JSONResponse:
    return json({"ok": False, "error_code": status, "description": description}, status=status)


def _bot_token_matches(settings: Settings, bot: str) -> bool:
    """`bot<token>`; python-telegram-bot escapes the token's colon in file addresses."""
    bot = unquote(bot)
    return bot.startswith("bot") and _same(bot.removeprefix("bot"), settings.telegram_bot_token.reveal())


def _file_id(request: Request) -> str:
    """getFile's `file_id`: python-telegram-bot posts a form; JSON and the query string work too."""
    if "json" in request.content_type:
        try:
            body = request.json
        except Exception:  # Sanic raises its own error for a body that is not JSON
            body = None
        if isinstance(body, dict):
            return str(body.get("file_id") or "")
    form = request.get_form() or {}
    return str(form.get("file_id") or request.args.get("file_id") or "")


@bp.route("/telegram/<bot>/<method>", methods=["GET", "POST"])
async def telegram_method(request: Request, bot: str, method: str) -> JSONResponse:
    settings = development_only(request)
    if not _bot_token_matches(settings, bot):
        return _telegram_error(401, "Unauthorized")
    if method == "getMe":
        return json({"ok": True, "result": TELEGRAM_BOT})
    if method != "getFile":
        return _telegram_error(404, "Not Found")
    file_id = _file_id(request)
    found = (
        kept(settings, file_id.removeprefix(DEV_FILE_ID_PREFIX))
        if file_id.startswith(DEV_FILE_ID_PREFIX)
        else None
    )
    if found is None:
        return _telegram_error(400, "Bad Request: invalid file_id")
    result = {
        "file_id": file_id,
        "file_unique_id": found.key[:16],
        "file_size": len(found.data),
        "file_path": f"documents/{found.key}",
    }
    return json({"ok": True, "result": result})


@bp.get("/telegram/file/<bot>/documents/<key>")
async def telegram_file(request: Request, bot: str, key: str) -> HTTPResponse:
    settings = development_only(request)
    if not _bot_token_matches(settings, bot):
        return _telegram_error(401, "Unauthorized")
    found = kept(settings, key)
    if found is None:
        return _telegram_error(404, "Not Found")
    return raw(found.data, content_type="application/octet-stream")
