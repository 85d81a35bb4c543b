"""Development only (404 in production): the outbox sink's listing and a phone simulator.

`GET /dev/outbox` lists what would have gone out (JSON, or a page with `?format=html`; `?to=` filters).
`/dev/phone` is a page to text the assistant as a given number: `POST /dev/phone/send` signs the
request exactly as Twilio does and posts it to our own SMS webhook, so the production code path runs.
"""

from __future__ import annotations

import html
import json as jsonlib
import secrets

import httpx
from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, json
from sanic.response import html as html_response
from twilio.request_validator import RequestValidator

from backend.errors import InvalidInput, NotFound
from backend.outbox.service import as_listing, list_messages

bp = Blueprint("dev_tools", url_prefix="/dev")
CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'"


def _development_only(request: Request) -> None:
    if not request.app.ctx.settings.development:
        raise NotFound("not found")


@bp.get("/outbox")
async def outbox(request: Request) -> HTTPResponse:
    _development_only(request)
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
<p>Text the assistant as a phone number. Replies appear from the development outbox.</p>
<form id="f"><label>From <input id="from" value="+299551234"></label>
<label>Message <input id="text" size="50" autofocus></label> <button>Send</button></form>
<pre id="log" aria-live="polite"></pre>
<script>
const log = document.getElementById("log");
async function refresh() {
  const to = encodeURIComponent(document.getElementById("from").value);
  const r = await fetch("/dev/outbox?to=" + to);
  const data = await r.json();
  log.textContent = data.messages.map(m => "[" + m.status + "] " + m.text).join("\\n\\n");
}
document.getElementById("f").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = {from: document.getElementById("from").value, text: document.getElementById("text").value};
  await fetch("/dev/phone/send", {method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body)});
  document.getElementById("text").value = "";
});
setInterval(refresh, 1000);
</script></html>"""


@bp.get("/phone")
async def phone(request: Request) -> HTTPResponse:
    _development_only(request)
    response = html_response(PHONE_PAGE)
    response.headers["Content-Security-Policy"] = CSP
    return response


@bp.post("/phone/send")
async def phone_send(request: Request) -> JSONResponse:
    """`{"from": "+299...", "text": "..."}` → a Twilio-signed webhook call to /webhooks/twilio/sms."""
    _development_only(request)
    settings = request.app.ctx.settings
    try:
        body = jsonlib.loads(request.body or b"")
    except ValueError as error:
        raise InvalidInput("JSON body required") from error
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("from"), str)
        or not isinstance(body.get("text"), str)
    ):
        raise InvalidInput('{"from": "+299...", "text": "..."} required')
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": settings.twilio_account_sid,
        "From": body["from"],
        "To": settings.twilio_from_number,
        "Body": body["text"][:1600],
        "NumMedia": "0",
    }
    url = f"{settings.public_base_url}/webhooks/twilio/sms"
    signature = RequestValidator(settings.twilio_auth_token.reveal()).compute_signature(url, params)
    async with httpx.AsyncClient(timeout=10) as client:
        answer = await client.post(url, data=params, headers={"X-Twilio-Signature": signature})
    return json({"status": answer.status_code, "message_sid": params["MessageSid"]})
