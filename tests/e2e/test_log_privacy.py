"""No CPR number, phone number or e-mail address in clear in any log the product writes.

A stack of its own (started once for this module) logs at DEBUG everywhere: Rasa logs every user
message and whole trackers, the backend every SQL statement with its result rows, the action server
every call. The action server reaches the backend through a proxy in this process that breaks one
answer on purpose: the draft arrives malformed, `action_start_application` raises, rasa-sdk answers
500 with the whole tracker, and Rasa logs the exception. Through that stack a citizen applies on the
web (writing her CPR number, e-mail address and phone numbers in the chat on the way) and another
applies by SMS; then every file the stack wrote is searched for each of those values in every way
they are written.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from scripts.model import model_path
from scripts.stack import Stack, free_port
from tests.conftest import (
    ALWAYS_OPEN,
    DEV_PASSWORD,
    DEV_TOTP_SECRET,
    Citizen,
    Providers,
    _create_database,
    _drop_database,
    applications_of,
    texts,
)
from tests.e2e.test_phone_channels import LINK, Phone, log_in_through, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.own_stack]

# Emma Lund (da, Iserit A/S), registered phone +45 21 43 65 87; she writes the rest in the chat.
EMMA_CPR, EMMA_EMAIL = "1407943816", "emma.lund@example.dk"
# Tukummeq Mathiassen (kl, INI A/S), registered phone +299 98 11 22; he texts from +299 55 77 01.
TUKUMMEQ_CPR, TUKUMMEQ_SENDER = "1410931694", "+299557701"

SECRETS = [
    EMMA_CPR,
    "140794-3816",
    EMMA_EMAIL,
    "emma.lund",
    # Emma's registered number
    "+4521436587",
    "21436587",
    "21 43 65 87",
    "+45 21 43 65 87",
    # the Swedish number she gives for the application
    "+46709876543",
    "0709876543",
    "070-987 65 43",
    "+46 70 987 65 43",
    "709876543",
    # the Danish and Greenlandic numbers she mentions
    "+4520987654",
    "20987654",
    "20 98 76 54",
    "+299557702",
    "557702",
    "55 77 02",
    # Tukummeq
    TUKUMMEQ_CPR,
    "141093-1694",
    TUKUMMEQ_SENDER,
    "557701",
    "55 77 01",
    "+299 55 77 01",
    "%2B299557701",
    "+299981122",
    "981122",
    "98 11 22",
    "+299 98 11 22",
]


class FaultyBackend:
    """The action server's way to the backend: every call is forwarded, except the next one whose path
    ends as armed, which is answered 200 with a malformed body (an action that reads it raises)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.armed: tuple[str, str, dict] | None = None
        self.broken: list[str] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                proxy.handle(self)

            def do_POST(self) -> None:
                proxy.handle(self)

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def break_next(self, method: str, path_end: str, body: dict) -> None:
        with self.lock:
            self.armed = (method, path_end, body)

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        content = request.rfile.read(length) if length else b""
        with self.lock:
            armed = self.armed
            if armed and request.command == armed[0] and request.path.endswith(armed[1]):
                self.armed = None
                self.broken.append(request.path)
                self._answer(request, 200, json.dumps(armed[2]).encode())
                return
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type")}
        try:
            reply = httpx.request(
                request.command, self.target + request.path, content=content, headers=headers, timeout=30
            )
        except httpx.HTTPError:  # the backend went away (the stack stops): answer as a proxy does
            self._answer(request, 502, b'{"error": "bad gateway"}')
            return
        self._answer(request, reply.status_code, reply.content)

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)


@dataclass
class DebugStack(Stack):
    """The product at DEBUG level, the action server talking to the backend through `backend_proxy`."""

    backend_proxy: str = ""

    def process_env(self, name: str) -> dict[str, str]:
        env = super().process_env(name)
        env["LOG_LEVEL"] = "DEBUG"  # the backend's and Rasa's
        if name == "actions":
            env["BACKEND_URL"] = self.backend_proxy
        return env

    def commands(self) -> dict[str, list[str]]:
        commands = super().commands()
        commands["actions"] = [*commands["actions"], "--debug"]
        return commands


@pytest.fixture(scope="module")
def debug_stack(
    tmp_path_factory: pytest.TempPathFactory, providers: Providers
) -> Iterator[tuple[DebugStack, FaultyBackend]]:
    model = model_path()
    if not model.exists():
        raise RuntimeError(f"no trained model at {model}: run `make model` (make test does it)")
    suffix = uuid.uuid4().hex[:8]
    names = [f"inissiaq_logs_{suffix}", f"inissiaq_logs_rasa_{suffix}"]
    backend_db, rasa_db = _create_database(names[0]), _create_database(names[1])
    backend_port = free_port()
    proxy = FaultyBackend(f"http://127.0.0.1:{backend_port}")
    proxy.thread.start()
    stack = DebugStack(
        model=model,
        database_url=backend_db,
        var_dir=Path(os.environ.get("E2E_LOG_VAR_DIR") or tmp_path_factory.mktemp("logs")),
        backend_port=backend_port,
        rasa_port=free_port(),
        actions_port=free_port(),
        mode="development",
        backend_proxy=proxy.url,
        extra_env={
            "RASA_TRACKER_DB": rasa_db.rsplit("/", 1)[1],
            "DEV_PASSWORD": DEV_PASSWORD,
            "DEV_TOTP_SECRET": DEV_TOTP_SECRET,
            "OPENING_HOURS": ALWAYS_OPEN,
            "NEW_SESSIONS_PER_MINUTE": "1000",
            **providers.env(),
        },
    )
    stack.start()
    try:
        stack.wait_ready(timeout=300)
        yield stack, proxy
    finally:
        stack.stop()
        proxy.server.shutdown()
        for name in names:
            _drop_database(name)


def web_application_with_a_failing_action(stack: Stack, proxy: FaultyBackend) -> None:
    emma = Citizen(stack, language="da")
    try:
        emma.say(f"Hej, mit CPR-nummer er 140794-3816 og min e-mail er {EMMA_EMAIL}")
        emma.say("Ring til mig på 20 98 76 54, 070-987 65 43 eller +299 55 77 02")
        emma.say("Jeg vil gerne søge om boligsikring")
        emma.login(EMMA_CPR)
        proxy.break_next("POST", "/draft", {"status": "ready", "draft_id": "x", "display": ["malformed"]})
        failed = emma.resume()  # the pending application: the draft arrives malformed, the action raises
        assert proxy.broken and "Emma Lund" not in texts(failed)
        draft = emma.resume()  # the pending intent was kept; this time the draft is fine
        assert "Emma Lund" in texts(draft), texts(draft)
        emma.say("ja")  # the dwelling is right
        emma.say("ja")  # the household is right
        asked = emma.say("nej")  # not the registered number
        assert "21 43 65 87" not in texts(asked)
        summary = emma.say("Mit nummer er +46 70 987 65 43")
        assert "/affirm" in {b["payload"] for m in summary for b in (m.get("buttons") or [])}
        emma.say("/affirm")
    finally:
        emma.close()
    [application] = applications_of(stack, EMMA_CPR)
    assert application["phone"] == "+46709876543"


def sms_application(stack: Stack, providers: Providers) -> None:
    phone = Phone(stack, providers, TUKUMMEQ_SENDER)
    asked = phone.say("Boligsikringimik qinnuteqarusuppunga")
    (link,) = LINK.findall(asked)
    seen = len(phone.received())
    log_in_through(link, TUKUMMEQ_CPR)
    draft = "\n".join(wait_for(phone.received, seen, settled=phone.settled))
    assert "Tukummeq Mathiassen" in draft
    phone.say("aap")  # the dwelling is right
    assert "98 11 22" in phone.say("1")  # the household is right; the registered number is shown
    phone.say("aap")  # and still right
    phone.say("1")  # send
    [application] = applications_of(stack, TUKUMMEQ_CPR)
    assert application["channel"] == "sms" and application["phone"] == "+299981122"


def test_no_personal_data_in_any_log_after_a_web_and_an_sms_application_with_a_failing_action(
    debug_stack: tuple[DebugStack, FaultyBackend], providers: Providers
) -> None:
    stack, proxy = debug_stack
    web_application_with_a_failing_action(stack, proxy)
    sms_application(stack, providers)
    stack.stop()  # every process flushes and closes its log

    logs = {
        path.name: path.read_text(errors="replace")
        for path in sorted(stack.var_dir.rglob("*"))
        if path.is_file()
    }
    assert {"backend.log", "worker.log", "rasa.log", "actions.log"} <= set(logs)
    # The failure happened and was logged with its traceback, as were the citizens' messages.
    assert "Exception occurred during execution of request" in logs["actions.log"]
    assert "Encountered an exception while running action 'action_start_application'" in logs["rasa.log"]
    assert "Traceback (most recent call last)" in logs["rasa.log"]
    assert "Ring til mig p" in logs["rasa.log"]  # her message was logged
    found = [
        f"{value!r} in {name}, line {text[: match.start()].count(chr(10)) + 1}: {line_at(text, match.start())}"
        for name, text in logs.items()
        for value in SECRETS
        for match in [written(value).search(text)]
        if match
    ]
    assert found == [], "in clear in the logs:\n" + "\n".join(found)
    assert "xxxxxx-xxxx" in logs["rasa.log"]  # the CPR number she wrote, as Rasa logged it


def written(value: str) -> re.Pattern[str]:
    """The value as a whole: not part of a longer number, nor the decimals of one ("0.981122")."""
    return re.compile(r"(?<!\d)(?<!\d\.)" + re.escape(value) + r"(?!\d)")


def line_at(text: str, position: int) -> str:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return text[start : end if end >= 0 else len(text)][:300]
