"""Contract test with a tool nobody here wrote: schemathesis generates requests from the description the
running backend serves at /api/caseworker/openapi.json and checks every answer against it.

The backend runs as its own process (`python -m backend.serve`) on a database filled through the
product's services: caseworkers, an application, a message thread, a conversation waiting for a person,
a routing rule, a canned text and a machine client. Path parameters are drawn mostly from those real
ids (so the 200 answers are checked too, not only 404s) and sometimes generated.

Runs: as an administrator's session (cookie + X-CSRF-Token), then the two operations that would end
or change that session (logout; changing a caseworker) on their own, then the operations open to
machine clients with a Bearer token of a client that has every scope, then the administrators'
operations (tagged `administrators`) with the session of a caseworker who is not an administrator,
with one more check (`refused_to_a_plain_caseworker` in `schemathesis_hooks.py`): every answer is
the documented 403. Every other operation treats a plain caseworker as it treats an administrator.
Deterministic generation (derandomized), one worker: the same requests every time, so the test
cannot be flaky. The examples and fuzzing phases only: the coverage phase's boundary cases are some
1500 requests, several minutes, beyond this test's time budget. Any finding (or error) of any run
fails the test: schemathesis then exits non-zero.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pyotp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.inbox import admin, live
from backend.inbox.auth import COOKIE
from backend.inbox.openapi import ADMIN_TAG, MACHINE_TAG
from backend.machine.clients import create_client
from backend.messaging import service as messaging
from scripts.ports import free_port
from tests.backend.applications.factories import (
    AVIAJA,
    MALIK,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import PASSWORD, SECRET, create_caseworker
from tests.servers import python_env, wait_until_serving_async

ROOT = Path(__file__).resolve().parents[3]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
PLAIN_CASEWORKER_CHECKS = f"{CHECKS},refused_to_a_plain_caseworker"
PLAIN_CASEWORKER = "contract-plain"  # not an administrator; no run changes them
SESSION_ENDING = (
    "logout_route",
    "update_caseworker",
)  # operationIds: POST /logout, PATCH /admin/caseworkers/{id}


@dataclass(frozen=True)
class Data:
    reference: str
    caseworker_id: int  # a plain caseworker: the one the runs may change
    thread_id: int
    message_id: int
    conversation_id: str
    rule_id: int
    canned_id: int
    client_id: str  # the machine run's client
    client_secret: str
    spare_client_id: str  # the one the runs may rotate, revoke and give a webhook


@pytest.fixture
async def data(db: AsyncSession, settings: Settings) -> Data:
    return await build_data(db, settings)


async def build_data(db: AsyncSession, settings: Settings) -> Data:
    """What the runs work on, made through the product's own services."""
    await seed_registers(db)
    await create_caseworker(db, username="contract-admin", role="administrator")
    await create_caseworker(db, username=PLAIN_CASEWORKER)
    worker = await create_caseworker(db, username="contract-caseworker")
    conversation = await create_conversation(db, cpr=AVIAJA)
    draft = await create_draft(db, conversation, settings)
    application = (await submit_draft(db, conversation, draft.draft.id, settings)).application
    message = await messaging.caseworker_writes(
        db,
        caseworker_id=worker.id,
        cpr=AVIAJA,
        application_reference=application.reference,
        text="Vi mangler din lejekontrakt.",
        settings=settings,
    )
    await messaging.citizen_writes(
        db, AVIAJA, "Den kommer i morgen.", application_reference=application.reference
    )
    waiting = await create_conversation(db, cpr=MALIK)
    await live.request_handoff(db, waiting.id)
    rule = await admin.create_rule(db, start="01.01", end="15.01", caseworker_id=worker.id, actor="test")
    canned = await admin.create_canned(
        db, language="da", title="Tak", text="Tak for din besked.", actor="test"
    )
    client, secret = await create_client(
        db,
        name="case-system",
        scopes=["applications:read", "applications:write", "messages:write"],
        actor="test",
    )
    spare, _ = await create_client(db, name="spare-system", scopes=["applications:read"], actor="test")
    return Data(
        reference=application.reference,
        caseworker_id=worker.id,
        thread_id=message.thread_id,
        message_id=message.id,
        conversation_id=waiting.id,
        rule_id=rule.id,
        canned_id=canned.id,
        client_id=client.id,
        client_secret=secret,
        spare_client_id=spare.id,
    )


@pytest.fixture
async def backend(database_url: str, data: Data, tmp_path: Path) -> AsyncIterator[str]:
    """The backend web instance as its own process on the test database; its base URL."""
    port = free_port()
    env = python_env({k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")})
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "INISSIAQ_MODE": "development",
            "INISSIAQ_INTERNAL_SECRET": "contract-internal-secret",
            "DATABASE_URL": database_url,
            "PORT": str(port),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "RASA_URL": "http://127.0.0.1:9",
            "BACKGROUND_WORKERS": "0",
            "DEMO_DATA": "0",
        }
    )
    log = (tmp_path / "backend.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:

            async def answers() -> bool:
                response = await client.get(f"{base}/api/caseworker/openapi.json", timeout=2)
                return response.status_code == 200

            await wait_until_serving_async(
                process,
                answers,
                what="the backend",
                log=tmp_path / "backend.log",
                not_yet=(httpx.TransportError,),
            )
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _config(data: Data, path: Path) -> Path:
    """Path parameters: the real ids four times in five, generated values otherwise; the caseworker and
    the machine client to change are always spare ones, so no run locks itself out."""
    real = {
        "reference": f'"{data.reference}"',
        "cid": f'"{data.conversation_id}"',
        "thread_id": str(data.thread_id),
        "message_id": str(data.message_id),
        "rule_id": str(data.rule_id),
        "canned_id": str(data.canned_id),
    }
    lines = []
    for name, value in real.items():
        lines.append(f"[dictionaries.{name}]\nvalues = [{value}]\n")
    lines.append("[parameters]")
    for name in real:
        lines.append(f'"path.{name}" = {{ dictionary = "{name}", probability = 0.8 }}')
    lines.append(f'"path.caseworker_id" = {data.caseworker_id}')
    lines.append(f'"path.client_id" = "{data.spare_client_id}"')
    path.write_text("\n".join(lines) + "\n")
    return path


async def _schemathesis(
    base: str,
    config: Path,
    headers: dict[str, str],
    *selection: str,
    checks: str = CHECKS,
    max_examples: int = 4,
) -> str:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{base}/api/caseworker/openapi.json",
        "--checks",
        checks,
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        str(max_examples),
        "--generation-deterministic",
        "--generation-with-security-parameters",
        "false",
        "--workers",
        "1",
        "--request-timeout",
        "60",
        "--no-color",
        "--output-truncate",
        "false",
        *[arg for name, value in headers.items() for arg in ("--header", f"{name}: {value}")],
        *selection,
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HOOKS)}
    # Generous limits: the backend suite runs at a low priority beside the model training, and a run
    # of ~100 s here took several times that with little CPU; they only stop a run that hangs.
    result = await asyncio.to_thread(
        subprocess.run, command, cwd=config.parent, env=env, capture_output=True, text=True, timeout=900
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
    return output


async def _log_in(base: str, username: str = "contract-admin") -> dict[str, str]:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(
            "/api/caseworker/login",
            json={"username": username, "password": PASSWORD, "totp": pyotp.TOTP(SECRET).now()},
        )
    assert response.status_code == 200, response.text
    return {"Cookie": f"{COOKIE}={response.cookies[COOKIE]}", "X-CSRF-Token": response.json()["csrf_token"]}


async def _token(base: str, data: Data) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(
            "/api/caseworker/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": data.client_id,
                "client_secret": data.client_secret,
                "scope": "applications:read applications:write messages:write",
            },
        )
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"
    return response.json()["access_token"]


async def test_the_served_description_holds_for_an_administrator_a_plain_caseworker_and_a_machine_client(
    backend: str, data: Data, tmp_path: Path
) -> None:
    config = _config(data, tmp_path / "schemathesis.toml")
    session = await _log_in(backend)
    await _schemathesis(backend, config, session, *[f"--exclude-operation-id={op}" for op in SESSION_ENDING])
    # What would end or change the run's own session runs last, on its own.
    await _schemathesis(backend, config, session, *[f"--include-operation-id={op}" for op in SESSION_ENDING])

    token = await _token(backend, data)
    await _schemathesis(backend, config, {"Authorization": f"Bearer {token}"}, f"--include-tag={MACHINE_TAG}")

    admin_only = await _administrators_operations(backend)
    assert admin_only and all("403" in responses for responses in admin_only.values()), admin_only
    plain = await _log_in(backend, PLAIN_CASEWORKER)
    output = await _schemathesis(
        backend,
        config,
        plain,
        f"--include-tag={ADMIN_TAG}",
        checks=PLAIN_CASEWORKER_CHECKS,
        max_examples=2,
    )
    # Every administrators' operation was selected and tested.
    tested = f"Selected: {len(admin_only)}/" in output and f"Tested: {len(admin_only)}\n" in output
    assert tested, output[-3000:]


async def _administrators_operations(base: str) -> dict[str, dict[str, object]]:
    """The operations the served description tags as administrators' only, with their responses."""
    async with httpx.AsyncClient(base_url=base) as client:
        description = (await client.get("/api/caseworker/openapi.json")).json()
    return {
        f"{method.upper()} {path}": entry["responses"]
        for path, item in description["paths"].items()
        for method, entry in item.items()
        if ADMIN_TAG in entry.get("tags", [])
    }
