"""A fake of Twilio's Messages API (2010-04-01): basic auth, the account in the path, the form fields
and error codes of the real API, and scripted failures.

    fake = FakeTwilio(account_sid, auth_token)
    await fake.start()            # or fake.start_in_thread() from synchronous tests
    settings = replace(settings, twilio_api_base=fake.base_url, ...)
"""

from __future__ import annotations

import re
import secrets
import time
from base64 import b64decode
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_BODY = 1600
_STATUS_CODES = {400: 21000, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


class FakeTwilio(FakeServer):
    """`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, checked as Twilio checks it.

    `.messages` records every accepted message: sid, to, from, body, status_callback, time (monotonic).
    `.requests` counts every request, accepted or not.
    """

    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = []
        self.requests = 0
        self._failures: list[tuple[int, int, int | None]] = []  # HTTP status, code, Retry-After
        self._refused: dict[str, tuple[int, int]] = {}
        self.media: dict[str, tuple[bytes, str]] = {}  # media path -> (bytes, content type)
        self.media_requests: list[str] = []  # media paths fetched with the account's credentials

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.create_message)
        app.router.add_get("/2010-04-01/Accounts/{sid}/Messages/{message}/Media/{media}", self.get_media)

    def add_media(self, message_sid: str, data: bytes, content_type: str) -> str:
        """An MMS attachment as Twilio keeps it; its MediaUrl (on api.twilio.com, which the client
        rebases to this fake), as Twilio posts it to the webhook."""
        path = (
            f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}/Media/ME{secrets.token_hex(16)}"
        )
        with self.lock:
            self.media[path] = (data, content_type)
        return "https://api.twilio.com" + path

    async def get_media(self, request: web.Request) -> web.Response:
        """Media need the account's credentials (HTTP Basic), as with "enforce HTTP auth on media"."""
        if not self._authorised(request) or request.match_info["sid"] != self.account_sid:
            return self.error(401, 20003, "Authenticate")
        with self.lock:
            found = self.media.get(request.path)
            if found is not None:
                self.media_requests.append(request.path)
        if found is None:
            return self.error(404, 20404, "The requested resource was not found")
        return web.Response(body=found[0], content_type=found[1])

    # Scripting -------------------------------------------------------------------------------
    def fail_next(self, n: int, status: int = 500) -> None:
        """The next n authenticated requests answer `status` with Twilio's error JSON."""
        with self.lock:
            self._failures += [(status, _STATUS_CODES.get(status, status), None)] * n

    def rate_limit_next(self, n: int, retry_after: int | None = None) -> None:
        """The next n authenticated requests answer 429, code 20429 (with a Retry-After header if given)."""
        with self.lock:
            self._failures += [(429, 20429, retry_after)] * n

    def refuse(self, to: str, code: int = 21610, status: int = 400) -> None:
        """Every send to `to` fails with `status` and Twilio `code` (21610: unsubscribed recipient)."""
        with self.lock:
            self._refused[to] = (status, code)

    def sent_to(self, to: str) -> list[str]:
        """The bodies accepted for `to`, oldest first."""
        with self.lock:
            return [m["body"] for m in self.messages if m["to"] == to]

    def status_callback_params(self, sid: str, status: str, error_code: str = "30003") -> dict[str, str]:
        """The form Twilio posts to the message's StatusCallback when its status becomes `status`."""
        with self.lock:
            message = next(m for m in self.messages if m["sid"] == sid)
        return status_callback_params(self.account_sid, message, status, error_code)

    # The API --------------------------------------------------------------------------------
    @staticmethod
    def error(status: int, code: int, message: str, retry_after: int | None = None) -> web.Response:
        """Twilio's (legacy) error body, which the twilio library turns into TwilioRestException."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        return web.json_response(
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            status=status,
            headers=headers,
        )

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = b64decode(header[6:], validate=True).decode().partition(":")
        except ValueError:
            return False
        return secrets.compare_digest(user, self.account_sid) and secrets.compare_digest(
            password, self.auth_token
        )

    async def create_message(self, request: web.Request) -> web.Response:
        with self.lock:
            self.requests += 1
        if not self._authorised(request) or request.match_info["sid"] != self.account_sid:
            return self.error(401, 20003, "Authenticate")
        with self.lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            status, code, retry_after = failure
            text = "Too Many Requests" if status == 429 else "Scripted failure"
            return self.error(status, code, text, retry_after)
        form = await request.post()
        to, sender, body = (str(form.get(name, "")) for name in ("To", "From", "Body"))
        if not to:
            return self.error(400, 21604, "A 'To' phone number is required.")
        if not E164.match(to):
            return self.error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender:
            return self.error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return self.error(400, 21602, "Message body is required.")
        if len(body) > MAX_BODY:
            return self.error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        with self.lock:
            refused = self._refused.get(to)
        if refused is not None:
            return self.error(refused[0], refused[1], "Attempt to send to unsubscribed recipient")
        sid = "SM" + secrets.token_hex(16)
        record = {
            "sid": sid,
            "to": to,
            "from": sender,
            "body": body,
            "status_callback": str(form.get("StatusCallback", "")),
            "time": time.monotonic(),
        }
        with self.lock:
            self.messages.append(record)
        return web.json_response(self._message_json(record), status=201)

    def _message_json(self, record: dict[str, Any]) -> dict[str, Any]:
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        sid = record["sid"]
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        return {
            "sid": sid,
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "messaging_service_sid": None,
            "to": record["to"],
            "from": record["from"],
            "body": record["body"],
            "status": "queued",
            "direction": "outbound-api",
            "num_segments": str(segments(record["body"])),
            "num_media": "0",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "uri": uri,
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        }


def segments(body: str) -> int:
    """SMS segments: 160/153 characters in GSM-7, 70/67 otherwise (roughly: any non-ASCII is UCS-2)."""
    single, multi = (160, 153) if body.isascii() else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


def status_callback_params(
    account_sid: str, message: dict[str, Any], status: str, error_code: str = "30003"
) -> dict[str, str]:
    """The form Twilio posts to a message's StatusCallback (`message` as recorded by FakeTwilio)."""
    params = {
        "MessageSid": message["sid"],
        "SmsSid": message["sid"],
        "MessageStatus": status,
        "SmsStatus": status,
        "AccountSid": account_sid,
        "To": message["to"],
        "From": message["from"],
        "ApiVersion": "2010-04-01",
    }
    if status in ("failed", "undelivered"):
        params["ErrorCode"] = error_code
    return params
