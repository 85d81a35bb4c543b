"""The phone simulator's files: an MMS or a Telegram document or photo goes through our own webhook as
the provider would post it, and waits on the providers' development stand-ins until the inbound
worker's media clients fetch it (with the account's credentials, or the bot token)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sanic import Sanic
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.channels import dev
from backend.clients.media import media_client
from backend.config import Secret, Settings
from backend.models.outbox import InboundMessage
from tests.backend.asgi import start_once_client
from tests.backend.documents import samples

ACCOUNT, TOKEN = "AC" + "0" * 32, "test-twilio-auth-token"
BOT_TOKEN, SECRET = "123456:development-only", "test-telegram-secret"
PHONE, CHAT = "+299551234", "880100"
OURS = "https://inissiaq.example.gl"


@pytest.fixture
async def simulator(
    settings: Settings, engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Sanic]:
    """A development backend whose simulator reaches its own webhooks through the test client."""
    configured = replace(
        settings,
        twilio_account_sid=ACCOUNT,
        twilio_auth_token=Secret(TOKEN),
        twilio_from_number="+299321000",
        telegram_bot_token=Secret(BOT_TOKEN),
        telegram_webhook_secret=Secret(SECRET),
        public_base_url="https://inissiaq.example.gl",
        dev_media_dir=tmp_path / "dev-media",
        upload_max_bytes=64 * 1024,
    )
    app = create_app(configured, name=f"inissiaq_test_dev_media_{id(configured)}")
    client = start_once_client(app)

    async def deliver(url: str, **request: Any) -> int:
        _, response = await client.post(url.removeprefix(configured.public_base_url), **request)
        return response.status

    monkeypatch.setattr(dev, "_deliver", deliver)
    yield app
    await client.stop()


async def send(
    app: Sanic,
    fields: dict[str, str],
    file: tuple[str, bytes, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """Posted as the simulator's page posts it: a same-origin fetch of a multipart form."""
    files = {"file": file} if file else None
    headers = {"Origin": OURS, "Sec-Fetch-Site": "same-origin"} if headers is None else headers
    _, response = await app.asgi_client.post("/dev/phone/send", data=fields, files=files, headers=headers)
    return response


async def media_refs(db: AsyncSession, sender: str) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(InboundMessage.text).where(InboundMessage.sender == sender, InboundMessage.kind == "media")
    )
    return [ref for text in rows.scalars() for ref in json.loads(text)]


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


async def test_a_file_goes_as_an_mms_whose_media_the_twilio_stand_in_serves_with_the_accounts_credentials(
    simulator: Sanic, db: AsyncSession
) -> None:
    lease = samples.pdf(1)
    response = await send(
        simulator, {"channel": "sms", "from": PHONE, "text": ""}, ("lease.pdf", lease, "application/pdf")
    )
    assert response.status == 200 and response.json["status"] == 200, response.text
    assert response.json["id"].startswith("MM")
    (ref,) = await media_refs(db, PHONE)  # queued by the SMS webhook, whose signature it passed
    assert ref["content_type"] == "application/pdf"
    prefix = f"https://inissiaq.example.gl/dev/twilio/2010-04-01/Accounts/{ACCOUNT}/Messages/"
    assert ref["url"].startswith(prefix)
    assert media_client(simulator.ctx.settings, "sms").simulated(ref)  # the worker fetches it from here

    path = ref["url"].removeprefix("https://inissiaq.example.gl")
    _, fetched = await simulator.asgi_client.get(path, headers=basic(ACCOUNT, TOKEN))
    assert fetched.status == 200 and fetched.body == lease
    assert fetched.headers["content-type"] == "application/pdf"
    for headers in ({}, basic(ACCOUNT, "wrong-token"), basic("AC" + "1" * 32, TOKEN)):
        _, refused = await simulator.asgi_client.get(path, headers=headers)
        assert refused.status == 401 and refused.body != lease
    _, unknown = await simulator.asgi_client.get(
        path.rsplit("/", 1)[0] + "/ME" + "0" * 32, headers=basic(ACCOUNT, TOKEN)
    )
    assert unknown.status == 404


async def test_a_file_goes_as_a_telegram_document_or_photo_whose_file_the_bot_api_stand_in_serves(
    simulator: Sanic, db: AsyncSession
) -> None:
    lease, photo = samples.pdf(1), samples.jpeg(64, 48)
    document = await send(
        simulator,
        {"channel": "telegram", "from": CHAT, "text": "min lejekontrakt"},
        ("lejekontrakt.pdf", lease, "application/pdf"),
    )
    assert document.status == 200 and document.json["status"] == 200, document.text
    pictured = await send(
        simulator,
        {"channel": "telegram", "from": CHAT, "text": "", "as_photo": "1"},
        ("p.jpg", photo, "image/jpeg"),
    )
    assert pictured.json["status"] == 200
    first, second = await media_refs(db, CHAT)  # queued by the Telegram webhook, secret token passed
    assert all(media_client(simulator.ctx.settings, "telegram").simulated(ref) for ref in (first, second))
    assert first["filename"] == "lejekontrakt.pdf" and first["size"] == len(lease)
    assert second["filename"] == "photo.jpg" and second["size"] == len(photo)
    captions = await db.execute(
        select(InboundMessage.text).where(InboundMessage.sender == CHAT, InboundMessage.kind != "media")
    )
    assert list(captions.scalars()) == ["min lejekontrakt"]  # the caption is a message of its own

    for ref, data in ((first, lease), (second, photo)):
        _, answer = await simulator.asgi_client.post(
            f"/dev/telegram/bot{BOT_TOKEN}/getFile", data={"file_id": ref["file_id"]}
        )
        assert answer.status == 200 and answer.json["result"]["file_size"] == len(data)
        file_path = answer.json["result"]["file_path"]
        escaped = BOT_TOKEN.replace(":", "%3A")  # as python-telegram-bot addresses the file
        _, downloaded = await simulator.asgi_client.get(f"/dev/telegram/file/bot{escaped}/{file_path}")
        assert downloaded.status == 200 and downloaded.body == data
        _, refused = await simulator.asgi_client.get(f"/dev/telegram/file/bot999:other/{file_path}")
        assert refused.status == 401
    _, wrong_bot = await simulator.asgi_client.post(
        "/dev/telegram/bot999:other/getFile", data={"file_id": first["file_id"]}
    )
    assert wrong_bot.status == 401
    _, unknown = await simulator.asgi_client.post(
        f"/dev/telegram/bot{BOT_TOKEN}/getFile", data={"file_id": "dev-" + "0" * 32}
    )
    assert unknown.status == 400 and unknown.json["ok"] is False


@pytest.mark.parametrize(
    ("fields", "file", "status", "says"),
    [
        ({"channel": "fax", "from": PHONE, "text": "hej"}, None, 400, "sms"),
        ({"channel": "telegram", "from": "+299551234", "text": "hej"}, None, 400, "chat id"),
        ({"channel": "sms", "from": PHONE, "text": " "}, None, 400, "message or choose a file"),
        (
            {"channel": "telegram", "from": CHAT, "text": "", "as_photo": "1"},
            ("l.pdf", b"%PDF-1.4", "x"),
            400,
            "JPEG",
        ),
        (
            {"channel": "sms", "from": PHONE, "text": "", "as_photo": "1"},
            ("p.jpg", b"\xff\xd8\xff\xe0", "x"),
            400,
            "JPEG",
        ),
        (
            {"channel": "sms", "from": PHONE, "text": ""},
            ("big.pdf", b"%" * (150 * 1024), "x"),
            413,
            "up to",
        ),
    ],
)
async def test_the_simulator_refuses_what_it_cannot_send_and_sends_nothing(
    simulator: Sanic, db: AsyncSession, fields: dict[str, str], file: Any, status: int, says: str
) -> None:
    response = await send(simulator, fields, file)
    assert response.status == status and says in response.json["message"], response.text
    assert (await db.execute(select(InboundMessage.id))).first() is None
    kept = simulator.ctx.settings.dev_media_dir
    assert not kept.exists() or not any(kept.iterdir())


async def test_a_file_over_the_upload_limit_still_goes_so_that_the_citizens_answer_can_be_tried(
    simulator: Sanic, db: AsyncSession
) -> None:
    big = b"%PDF-1.4\n" + b"0" * (100 * 1024)  # over the 64 KiB upload limit, under the simulator's 128 KiB
    response = await send(
        simulator, {"channel": "sms", "from": PHONE, "text": ""}, ("big.pdf", big, "application/pdf")
    )
    assert response.status == 200 and len(await media_refs(db, PHONE)) == 1


async def test_the_kept_files_are_readable_by_their_owner_only(simulator: Sanic) -> None:
    response = await send(
        simulator,
        {"channel": "sms", "from": PHONE, "text": ""},
        ("lease.pdf", samples.pdf(1), "application/pdf"),
    )
    assert response.status == 200, response.text
    kept = simulator.ctx.settings.dev_media_dir
    modes = [path.stat().st_mode & 0o777 for path in kept.iterdir()]
    assert len(modes) == 2 and set(modes) == {0o600}  # the file and its content type and name
    assert kept.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
    ],
    ids=["origin", "referer", "fetch", "null-origin"],
)
@pytest.mark.parametrize("form", ["multipart", "urlencoded"])
async def test_another_site_cannot_make_the_simulator_post_webhooks(
    simulator: Sanic, db: AsyncSession, headers: dict[str, str], form: str
) -> None:
    """A form needs no preflight: a page on another site open in the developer's browser could post it."""
    fields = {"channel": "sms", "from": PHONE, "text": "hej"}
    file = ("lease.pdf", samples.pdf(1), "application/pdf") if form == "multipart" else None
    response = await send(simulator, fields, file, headers=headers)
    assert response.status == 403 and response.json["error"] == "forbidden", response.text
    assert (await db.execute(select(InboundMessage.id))).first() is None
    kept = simulator.ctx.settings.dev_media_dir
    assert not kept.exists() or not any(kept.iterdir())


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": OURS, "Sec-Fetch-Site": "same-origin"},
        {"Referer": f"{OURS}/dev/phone"},
        {},  # not from a browser (curl, a script)
    ],
    ids=["origin", "referer", "no-browser"],
)
async def test_our_own_page_and_scripts_can_post_to_the_simulator(
    simulator: Sanic, db: AsyncSession, headers: dict[str, str]
) -> None:
    response = await send(simulator, {"channel": "sms", "from": PHONE, "text": "hej"}, headers=headers)
    assert response.status == 200 and response.json["status"] == 200, response.text
    queued = await db.execute(select(InboundMessage.text).where(InboundMessage.sender == PHONE))
    assert list(queued.scalars()) == ["hej"]
