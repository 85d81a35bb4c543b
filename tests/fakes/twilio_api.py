"""A fake of Twilio's Messages API (2010-04-01): basic auth, the account in the path, the form fields
and error codes of the real API, and scripted failures."""

from __future__ import annotations

import re
import secrets
import time
from base64 import b64decode
from typing import Any

from aiohttp import web

from tests.fakes.server import FakeServer

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class FakeTwilio(FakeServer):
    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[dict[str, Any]] = []
        self.requests = 0
        self._failures: list[tuple[int, int]] = []  # (HTTP status, Twilio code) for the next requests
        self._refused: dict[str, tuple[int, int]] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self.create_message)

    # Scripting -------------------------------------------------------------------------------
    def fail_next(self, n: int, status: int = 500) -> None:
        with self.lock:
            self._failures += [(status, 20500)] * n

    def rate_limit_next(self, n: int) -> None:
        with self.lock:
            self._failures += [(429, 20429)] * n

    def refuse(self, to: str, code: int = 21610, status: int = 400) -> None:
        with self.lock:
            self._refused[to] = (status, code)

    def sent_to(self, to: str) -> list[str]:
        with self.lock:
            return [m["body"] for m in self.messages if m["to"] == to]

    # The API --------------------------------------------------------------------------------
    @staticmethod
    def error(status: int, code: int, message: str) -> web.Response:
        return web.json_response(
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            status=status,
        )

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return user == self.account_sid and password == self.auth_token

    async def create_message(self, request: web.Request) -> web.Response:
        with self.lock:
            self.requests += 1
        if not self._authorised(request) or request.match_info["sid"] != self.account_sid:
            return self.error(401, 20003, "Authenticate")
        form = await request.post()
        with self.lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            return self.error(failure[0], failure[1], "Scripted failure")
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not sender:
            return self.error(400, 21603, "A 'From' phone number is required.")
        if not isinstance(to, str) or not E164.match(to):
            return self.error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not body:
            return self.error(400, 21602, "Message body is required.")
        if len(str(body)) > 1600:
            return self.error(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        with self.lock:
            refused = self._refused.get(str(to))
        if refused is not None:
            return self.error(refused[0], refused[1], "Attempt to send to unsubscribed recipient")
        sid = "SM" + secrets.token_hex(16)
        record = {
            "sid": sid,
            "to": str(to),
            "from": str(sender),
            "body": str(body),
            "status_callback": str(form.get("StatusCallback", "")),
            "time": time.monotonic(),
        }
        with self.lock:
            self.messages.append(record)
        return web.json_response(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": record["to"],
                "from": record["from"],
                "body": record["body"],
                "status": "queued",
                "num_segments": "1",
                "direction": "outbound-api",
                "date_created": time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime()),
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            status=201,
        )


def status_callback_params(account_sid: str, message: dict[str, Any], status: str) -> dict[str, str]:
    """The form Twilio posts to a message's StatusCallback."""
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
        params["ErrorCode"] = "30003"
    return params
