"""Shared fixtures. `stack`: one running product per test run: backend, Rasa with the trained model, action server.

The services start once (session scope) on free loopback ports, against fresh PostgreSQL
databases (one for the backend, one for Rasa's tracker store), and every end-to-end test reuses
them. Each test talks to the product as a citizen would, through `POST /api/chat/messages`, and
checks what was stored with the `inissiaq` command.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from scripts.model import model_path
from scripts.stack import ROOT, Stack, free_port

if TYPE_CHECKING:  # the fakes need the backend environment; the Rasa environment also reads this file
    from tests.fakes.smtp_server import SmtpRecorder
    from tests.fakes.telegram_api import FakeTelegram
    from tests.fakes.twilio_api import FakeTwilio

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
INISSIAQ = ROOT / ".venv-backend" / "bin" / "inissiaq"


def _create_database(name: str) -> str:
    import asyncpg  # only the backend environment has it; the Rasa environment never starts a stack

    async def create() -> None:
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()

    asyncio.run(create())
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(name: str) -> None:
    import asyncpg

    async def drop() -> None:
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    asyncio.run(drop())


TWILIO_SID, TWILIO_TOKEN = "AC" + "e2" * 16, "e2e-twilio-auth-token"
# The development caseworkers' password and TOTP secret (base32) in the end-to-end stack.
DEV_PASSWORD, DEV_TOTP_SECRET = "e2e-Caseworker-pa55", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_TOTP_STEPS_USED: dict[str, int] = {}


def fresh_totp(username: str) -> str:
    """A development caseworker's current TOTP code, newer than the last one this run used for them:
    the backend accepts each code once (RFC 6238, 5.2), so wait for the next 30 s step if needed."""
    import time

    import pyotp

    totp = pyotp.TOTP(DEV_TOTP_SECRET)
    # Epoch seconds, not datetime.UTC: the Rasa environment (Python 3.10) reads this file too.
    while totp.timecode(datetime.fromtimestamp(time.time())) <= _TOTP_STEPS_USED.get(username, -1):
        time.sleep(0.5)
    now = datetime.fromtimestamp(time.time())
    _TOTP_STEPS_USED[username] = totp.timecode(now)
    return totp.at(now)


ALWAYS_OPEN = ";".join(f"{day}=00:00-23:59" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
TELEGRAM_TOKEN, TELEGRAM_SECRET = "424242:e2e-token", "e2e-telegram-secret"


@dataclass
class Providers:
    """The local fakes the stack's real provider clients talk to (one set per test run)."""

    twilio: FakeTwilio
    telegram: FakeTelegram
    smtp: SmtpRecorder

    def env(self) -> dict[str, str]:
        return {
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_FROM_NUMBER": "+299321000",
            "TWILIO_API_BASE": self.twilio.base_url,
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
            "TELEGRAM_API_BASE": self.telegram.base_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(self.smtp.port),
            "OUTBOX_RETRY_BASE_SECONDS": "0.2",
        }


@pytest.fixture(scope="session")
def providers() -> Iterator[Providers]:
    from tests.fakes.smtp_server import SmtpRecorder
    from tests.fakes.telegram_api import FakeTelegram
    from tests.fakes.twilio_api import FakeTwilio

    fakes = Providers(FakeTwilio(TWILIO_SID, TWILIO_TOKEN), FakeTelegram(TELEGRAM_TOKEN), SmtpRecorder())
    fakes.twilio.start_in_thread()
    fakes.telegram.start_in_thread()
    fakes.smtp.start()
    yield fakes
    fakes.twilio.stop_in_thread()
    fakes.telegram.stop_in_thread()
    fakes.smtp.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, providers: Providers) -> Iterator[Stack]:
    model = model_path()
    if not model.exists():
        raise RuntimeError(f"no trained model at {model}: run `make model` (make test does it)")
    suffix = uuid.uuid4().hex[:8]
    names = [f"inissiaq_e2e_{suffix}", f"inissiaq_e2e_rasa_{suffix}"]
    backend_db = _create_database(names[0])
    rasa_db = _create_database(names[1])
    var_dir = Path(os.environ.get("E2E_VAR_DIR", tmp_path_factory.mktemp("stack")))
    rasa_tracker = rasa_db.split("://", 1)[1].rsplit("/", 1)[1]
    stack = Stack(
        model=model,
        database_url=backend_db,
        var_dir=var_dir,
        backend_port=free_port(),
        rasa_port=free_port(),
        actions_port=free_port(),
        mode="development",
        extra_env={
            "RASA_TRACKER_DB": rasa_tracker,
            "DEV_PASSWORD": DEV_PASSWORD,
            "DEV_TOTP_SECRET": DEV_TOTP_SECRET,
            "OPENING_HOURS": ALWAYS_OPEN,  # the live handoff is tested at any hour
            # Every test citizen comes from 127.0.0.1; the limits themselves are tested in tests/backend.
            "NEW_SESSIONS_PER_MINUTE": "1000",
            **providers.env(),
        },
    )
    stack.start()
    try:
        stack.wait_ready(timeout=300)
        yield stack
    finally:
        stack.stop()
        for name in names:
            _drop_database(name)


@dataclass
class Citizen:
    """A browser-like client with its own cookie jar."""

    stack: Stack
    language: str | None = None
    client: httpx.Client = field(init=False)
    transcript: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.stack.backend_url, timeout=60)

    def say(self, text: str, *, language: str | None = None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"text": text}
        if language or self.language:
            body["language"] = language or self.language
        response = self.client.post("/api/chat/messages", json=body)
        assert response.status_code == 200, response.text
        messages = response.json()["messages"]
        assert messages, f"empty reply to {text!r}"
        self.transcript.extend(messages)
        return messages

    def login(self, cpr: str) -> None:
        response = self.client.post("/auth/dev/login", json={"cpr": cpr})
        assert response.status_code == 200, response.text

    def resume(self) -> list[dict[str, Any]]:
        response = self.client.post("/api/chat/resume", json={})
        assert response.status_code == 200, response.text
        messages = response.json()["messages"]
        self.transcript.extend(messages)
        return messages

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def citizen(stack: Stack) -> Iterator[Citizen]:
    person = Citizen(stack)
    yield person
    person.close()


def inissiaq(stack: Stack, *args: str) -> str:
    """Run the operator command against the stack's database."""
    env = {**stack.env(), "DATABASE_URL": stack.database_url}
    result = subprocess.run(
        [str(INISSIAQ), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def until(check: Callable[[], Any], *, timeout: float = 30.0, what: str = "condition") -> Any:
    """The first truthy value of `check()`, polled every 0.2 s; fails the test after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def backend_rows(stack: Stack, query: str, *args: Any) -> list[dict[str, Any]]:
    """Rows of the stack's backend database, for checks that the product's answers cannot show
    (for example that a message was never queued, rather than queued and not yet sent)."""
    import asyncpg

    async def fetch() -> list[dict[str, Any]]:
        connection = await asyncpg.connect(stack.database_url)
        try:
            return [dict(row) for row in await connection.fetch(query, *args)]
        finally:
            await connection.close()

    return asyncio.run(fetch())


def applications(stack: Stack) -> list[dict[str, Any]]:
    return json.loads(inissiaq(stack, "applications", "list", "--json"))


def applications_of(stack: Stack, cpr: str) -> list[dict[str, Any]]:
    return [a for a in applications(stack) if a["cpr"] == cpr]


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
