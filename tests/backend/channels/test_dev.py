"""The development outbox listing, phone simulator and providers' stand-ins exist only in development mode."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backend.app import create_app
from backend.outbox import service


async def test_the_outbox_lists_messages_newest_last_and_filters_by_recipient(app, db) -> None:
    for to, text in (("+299551234", "first"), ("+299223344", "other"), ("+299551234", "second")):
        await service.enqueue(db, channel="sms", to=to, text=text, kind="bot_reply")
    await db.commit()
    _, everything = await app.asgi_client.get("/dev/outbox")
    assert [m["text"] for m in everything.json["messages"]] == ["first", "other", "second"]
    _, filtered = await app.asgi_client.get("/dev/outbox", params={"to": "+299551234"})
    messages = filtered.json["messages"]
    assert [m["text"] for m in messages] == ["first", "second"]
    assert {"channel", "to", "text", "status", "created_at"} <= set(messages[0])
    assert messages[0]["channel"] == "sms" and messages[0]["status"] == "created"
    _, page = await app.asgi_client.get("/dev/outbox", params={"format": "html"})
    assert page.status == 200 and "first" in page.text and "<table>" in page.text


async def test_the_outbox_page_escapes_what_it_shows(app, db) -> None:
    await service.enqueue(db, channel="sms", to="+299551234", text="<script>x</script>", kind="bot_reply")
    await db.commit()
    _, page = await app.asgi_client.get("/dev/outbox", params={"format": "html"})
    assert "<script>x" not in page.text and "&lt;script&gt;" in page.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/dev/outbox"),
        ("get", "/dev/phone"),
        ("post", "/dev/phone/send"),
        ("get", f"/dev/twilio/2010-04-01/Accounts/AC{'0' * 32}/Messages/MM1/Media/ME{'0' * 32}"),
        ("post", "/dev/telegram/bot123456:development-only/getFile"),
        ("get", f"/dev/telegram/file/bot123456:development-only/documents/{'0' * 32}"),
    ],
)
async def test_nothing_under_dev_exists_in_production(settings, engine, method, path) -> None:
    app = create_app(
        replace(settings, mode="production"), name=f"inissiaq_test_dev_{method}_{path.count('/')}_{len(path)}"
    )
    _, response = await getattr(app.asgi_client, method)(path)
    assert response.status == 404


async def test_the_phone_simulator_refuses_bad_input(app) -> None:
    _, response = await app.asgi_client.post("/dev/phone/send", content=b"not json")
    assert response.status == 400
    _, response = await app.asgi_client.post("/dev/phone/send", json={"from": 5})
    assert response.status == 400
