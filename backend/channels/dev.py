"""Development only (404 in production): the outbox sink's listing and a phone simulator.

`GET /dev/outbox` lists what would have gone out (JSON, or a page with `?format=html`; `?to=` filters).
`/dev/phone` is a page to write to the assistant as a phone number (SMS) or a Telegram chat, with a
file if wanted. `POST /dev/phone/send` builds what the provider would post, signed or with the secret
token as the provider does, and posts it to our own webhook, so the production code path runs: a
Twilio form with `NumMedia`/`MediaUrl0`/`MediaContentType0` (an MMS) or a Telegram update with a
document or a photo. The file waits in `DEV_MEDIA_DIR` for the inbound worker, which fetches it from
the providers' development stand-ins (backend/channels/dev_media.py).
"""

from __future__ import annotations

import html
import io
import json as jsonlib
import mimetypes
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import httpx
from sanic import Blueprint, Request
from sanic.request.form import parse_multipart_form
from sanic.response import HTTPResponse, JSONResponse, json
from sanic.response import html as html_response
from twilio.request_validator import RequestValidator

from backend.auth.login import development_only, require_same_origin
from backend.channels.dev_media import keep
from backend.channels.web_attachments import ENVELOPE_BYTES, multipart_boundary, read_body
from backend.config import DEV_FILE_ID_PREFIX, DEV_TWILIO_STAND_IN, Settings
from backend.errors import InvalidInput, PayloadTooLarge
from backend.outbox.service import as_listing, list_messages

bp = Blueprint("dev_tools", url_prefix="/dev")
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'"


@bp.get("/outbox")
async def outbox(request: Request) -> HTTPResponse:
    development_only(request)
    to = request.args.get("to") or None
    messages = [as_listing(m) for m in await list_messages(request.ctx.db, to=to)]
    if request.args.get("format") != "html":
        return json({"messages": messages})
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(str(m[k] or ''))}</td>" for k in ("created_at", "channel", "to", "status")
        )
        + f"<td><pre>{html.escape(m['text'])}</pre></td></tr>"
        for m in messages
    )
    page = (
        "<!doctype html><html lang='en'><meta charset='utf-8'><title>Development outbox</title>"
        "<h1>Development outbox (nothing here was sent)</h1><table><thead><tr><th>created</th><th>channel</th>"
        f"<th>to</th><th>status</th><th>text</th></tr></thead><tbody>{rows}</tbody></table></html>"
    )
    response = html_response(page)
    response.headers["Content-Security-Policy"] = CSP
    return response


PHONE_PAGE = """<!doctype html><html lang="en"><meta charset="utf-8"><title>Phone simulator</title>
<h1>Phone simulator (development only)</h1>
<p>Write to the assistant as a phone number (SMS; with a file: MMS) or as a Telegram chat. Replies appear
from the development outbox. A file waits on this backend until the worker fetches it, as from Twilio
or Telegram.</p>
<form id="f">
<p><label>Channel <select id="channel"><option value="sms">SMS / MMS (Twilio)</option>
<option value="telegram">Telegram</option></select></label>
<label>From (phone number, or Telegram chat id) <input id="from" value="+299551234"></label></p>
<p><label>Message <input id="text" size="50" autofocus></label></p>
<p><label>File (PDF, JPEG, PNG, HEIC) <input id="file" type="file"></label>
<label><input id="as-photo" type="checkbox"> Telegram: send a JPEG as a photo</label></p>
<p><button>Send</button> <span id="status" role="status"></span></p></form>
<pre id="log" aria-live="polite"></pre>
<script>
const log = document.getElementById("log");
const channel = document.getElementById("channel");
const sender = document.getElementById("from");
channel.addEventListener("change", () => {
  sender.value = channel.value === "telegram" ? "880100" : "+299551234";
});
async function refresh() {
  const r = await fetch("/dev/outbox?to=" + encodeURIComponent(sender.value));
  const data = await r.json();
  log.textContent = data.messages.map(m => "[" + m.status + "] " + m.text).join("\\n\\n");
}
document.getElementById("f").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = new FormData();
  body.append("channel", channel.value);
  body.append("from", sender.value);
  body.append("text", document.getElementById("text").value);
  const file = document.getElementById("file");
  if (file.files.length) body.append("file", file.files[0]);
  if (document.getElementById("as-photo").checked) body.append("as_photo", "1");
  const status = document.getElementById("status");
  status.textContent = "sending...";
  const r = await fetch("/dev/phone/send", {method: "POST", body});
  const answer = await r.json();
  status.textContent = r.ok ? "sent" : "not sent: " + answer.message;
  if (r.ok) { document.getElementById("text").value = ""; file.value = ""; }
});
setInterval(refresh, 1000);
</script></html>"""
CHANNELS = ("sms", "telegram")
JPEG = b"\xff\xd8\xff"


@dataclass(frozen=True)
class SimulatedFile:
    data: bytes
    filename: str
    content_type: str


@dataclass(frozen=True)
class SimulatedMessage:
    channel: str
    sender: str
    text: str
    file: SimulatedFile | None
    as_photo: bool


@bp.get("/phone")
async def phone(request: Request) -> HTTPResponse:
    development_only(request)
    response = html_response(PHONE_PAGE)
    response.headers["Content-Security-Policy"] = CSP
    return response


@bp.post("/phone/send", stream=True)
async def phone_send(request: Request) -> JSONResponse:
    """JSON `{"channel"?, "from", "text"}`, or a form with the same fields and (multipart) optionally
    `file` and `as_photo` → the provider's webhook call to our own webhook; `{"status", "id"}`.

    A form can be posted cross-site without a preflight, so only our own pages may post one: another
    site open in the developer's browser must not make this backend post signed webhooks (403)."""
    settings = development_only(request)
    require_same_origin(request)
    message = await _simulated_message(request, settings)
    if message.channel == "telegram":
        return json(await _post_telegram(settings, message))
    return json(await _post_sms(settings, message))


def simulator_max_bytes(settings: Settings) -> int:
    """Twice the upload limit: a file over the limit can be sent, to try the citizen's answer to it."""
    return 2 * settings.upload_max_bytes


async def _simulated_message(request: Request, settings: Settings) -> SimulatedMessage:
    limit = simulator_max_bytes(settings) + ENVELOPE_BYTES
    body = await read_body(request, limit)
    if body is None:
        raise PayloadTooLarge(f"the simulator takes files up to {simulator_max_bytes(settings)} bytes")
    content_type, boundary = multipart_boundary(request)
    if content_type == "multipart/form-data":
        fields, upload = _multipart(body, boundary)
    elif content_type == "application/x-www-form-urlencoded":
        fields, upload = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}, None
    else:
        fields, upload = _json(body)
    channel = fields.get("channel") or "sms"
    sender, text = fields.get("from"), fields.get("text")
    if channel not in CHANNELS or not isinstance(sender, str) or not isinstance(text, str):
        raise InvalidInput('{"channel": "sms" or "telegram", "from": "+299...", "text": "..."} required')
    if channel == "telegram" and not sender.strip().lstrip("-").isdigit():
        raise InvalidInput("a Telegram chat id is a number")
    as_photo = fields.get("as_photo") in ("1", "true", "on", True)
    if as_photo and (channel != "telegram" or upload is None or not upload.data.startswith(JPEG)):
        raise InvalidInput("only a JPEG file sent on Telegram can go as a photo")
    if upload is None and not text.strip():
        raise InvalidInput("write a message or choose a file")
    return SimulatedMessage(channel, sender.strip(), text, upload, as_photo)


def _json(body: bytes) -> tuple[dict[str, Any], SimulatedFile | None]:
    try:
        fields = jsonlib.loads(body or b"")
    except ValueError as error:
        raise InvalidInput("JSON body or a multipart form required") from error
    if not isinstance(fields, dict):
        raise InvalidInput("JSON object required")
    return fields, None


def _multipart(body: bytes, boundary: bytes) -> tuple[dict[str, Any], SimulatedFile | None]:
    try:
        form, files = parse_multipart_form(body, boundary)
    except Exception as error:  # Sanic's parser raises on several kinds of garbage
        raise InvalidInput("a malformed multipart form") from error
    fields = {key: values[0] for key, values in (form or {}).items() if values}
    uploaded = files.get("file") if files else None
    if uploaded is None or not uploaded.body:
        return fields, None
    filename = (uploaded.name or "file")[:200]
    guessed = mimetypes.guess_type(filename)[0]
    content_type = uploaded.type or guessed or "application/octet-stream"
    return fields, SimulatedFile(uploaded.body, filename, content_type)


async def _post_sms(settings: Settings, message: SimulatedMessage) -> dict[str, Any]:
    """Twilio's form for an SMS, or for an MMS with the file's MediaUrl on the stand-in."""
    sid = ("MM" if message.file else "SM") + secrets.token_hex(16)
    params = {
        "MessageSid": sid,
        "AccountSid": settings.twilio_account_sid,
        "From": message.sender,
        "To": settings.twilio_from_number,
        "Body": message.text[:1600],
        "NumMedia": "0",
    }
    if message.file is not None:
        key = keep(
            settings,
            message.file.data,
            content_type=message.file.content_type,
            filename=message.file.filename,
        )
        stand_in = settings.public_base_url + DEV_TWILIO_STAND_IN
        account = f"{stand_in}/2010-04-01/Accounts/{settings.twilio_account_sid}"
        params |= {
            "NumMedia": "1",
            "MediaUrl0": f"{account}/Messages/{sid}/Media/ME{key}",
            "MediaContentType0": message.file.content_type,
        }
    url = f"{settings.public_base_url}/webhooks/twilio/sms"
    signature = RequestValidator(settings.twilio_auth_token.reveal()).compute_signature(url, params)
    status = await _deliver(url, data=params, headers={"X-Twilio-Signature": signature})
    return {"status": status, "id": sid, "message_sid": sid}


async def _post_telegram(settings: Settings, message: SimulatedMessage) -> dict[str, Any]:
    """Telegram's update for a text, or for a document or photo whose file_id the stand-in knows."""
    chat_id = int(message.sender)
    person = {"id": chat_id, "is_bot": False, "first_name": "Simulator"}
    update_id = secrets.randbelow(2**31)
    content: dict[str, Any] = {"text": message.text[:4096]}
    if message.file is not None:
        key = keep(
            settings,
            message.file.data,
            content_type=message.file.content_type,
            filename=message.file.filename,
        )
        file_id, size = DEV_FILE_ID_PREFIX + key, len(message.file.data)
        content = {"caption": message.text[:1024]} if message.text.strip() else {}
        if message.as_photo:
            width, height = _dimensions(message.file.data)
            content["photo"] = [
                {
                    "file_id": file_id,
                    "file_unique_id": key[:16],
                    "width": width,
                    "height": height,
                    "file_size": size,
                }
            ]
        else:
            content["document"] = {
                "file_id": file_id,
                "file_unique_id": key[:16],
                "file_name": message.file.filename,
                "mime_type": message.file.content_type,
                "file_size": size,
            }
    update = {
        "update_id": update_id,
        "message": {
            "message_id": secrets.randbelow(2**31),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Simulator"},
            "from": person,
            **content,
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": settings.telegram_webhook_secret.reveal()}
    status = await _deliver(f"{settings.public_base_url}/webhooks/telegram", json=update, headers=headers)
    return {"status": status, "id": str(update_id)}


async def _deliver(url: str, **request: Any) -> int:
    """POST to our own webhook over HTTP, as the provider does; its status."""
    async with httpx.AsyncClient(timeout=10) as client:
        return (await client.post(url, **request)).status_code


def _dimensions(data: bytes) -> tuple[int, int]:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.size
    except (UnidentifiedImageError, OSError, ValueError):
        return 0, 0
