import httpx
import pytest

from backend.channels import rasa_client
from backend.channels.rasa_client import RasaUnavailable, parse_reply
from backend.channels.types import BotMessage, Button
from scripts.stack import ROOT
from tests.backend.channels.support import FakeRasa


def test_rasas_rest_reply_becomes_bot_messages() -> None:
    reply = [
        {"recipient_id": "c", "text": "Aap?", "buttons": [{"title": "Aap", "payload": "/affirm"}]},
        {"recipient_id": "c", "image": "https://example.org/x.png"},
        {
            "recipient_id": "c",
            "text": "Log ind",
            "buttons": [{"title": "Log ind", "payload": "http://h/auth/login"}],
        },
    ]
    assert parse_reply(reply) == [
        BotMessage("Aap?", [Button("Aap", "/affirm")]),
        BotMessage("Log ind", [Button("Log ind", "http://h/auth/login")]),
    ]
    assert parse_reply(reply)[1].buttons[0].is_link


@pytest.mark.parametrize("reply", [{"text": "hi"}, ["hi"], None])
def test_anything_but_rasas_list_is_refused(reply: object) -> None:
    with pytest.raises(ValueError):
        parse_reply(reply)


async def _client_for(app, handler) -> None:  # type: ignore[no-untyped-def]
    app.ctx.rasa_transport = httpx.MockTransport(handler)
    await rasa_client.start(app)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(401, json={"error": "unauthorized"}),
        httpx.Response(500, text="boom"),
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json={"not": "a list"}),
    ],
)
async def test_every_failure_of_rasa_is_one_exception(app, answer: httpx.Response) -> None:
    await _client_for(app, lambda request: answer)
    try:
        with pytest.raises(RasaUnavailable):
            await rasa_client.send_message(app, "c", "hej", channel="web")
    finally:
        await rasa_client.stop(app)


async def test_a_timeout_is_a_failure_too(app) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("too slow", request=request)

    await _client_for(app, slow)
    try:
        with pytest.raises(RasaUnavailable):
            await rasa_client.send_message(app, "c", "hej", channel="sms")
    finally:
        await rasa_client.stop(app)


async def test_the_client_uses_the_configured_timeout_and_secret(app, settings) -> None:
    rasa = FakeRasa().install(app)
    await rasa_client.start(app)
    try:
        assert app.ctx.rasa_http.timeout.read == settings.rasa_timeout_seconds
        await rasa_client.send_message(app, "c1", "hej", channel="telegram")
    finally:
        await rasa_client.stop(app)
    assert rasa.requests[0].headers["authorization"] == "Bearer test-internal-secret"
    assert rasa.bodies == [{"sender": "c1", "message": "hej", "metadata": {"channel": "telegram"}}]


async def test_each_turn_names_its_conversation_in_the_header_haproxy_hashes(app) -> None:
    rasa = FakeRasa().install(app)
    await rasa_client.start(app)
    try:
        await rasa_client.send_message(app, "conversation-a", "hej", channel="web")
        await rasa_client.send_message(app, "conversation-b", "hej", channel="sms")
    finally:
        await rasa_client.stop(app)
    assert [r.headers["x-conversation-id"] for r in rasa.requests] == ["conversation-a", "conversation-b"]
    assert "hdr(X-Conversation-Id)" in (ROOT / "deploy" / "haproxy.cfg").read_text()
