from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.config import Settings
from backend.nlg.responses import RESPONSES
from tests.backend.applications.factories import create_conversation
from tests.backend.nlg.samples import SAMPLE_ARGUMENTS

AUTH = {"Authorization": "Bearer test-internal-secret"}


def nlg_request(response: str, sender_id: str = "unknown-conversation", **arguments: object) -> dict:
    """Rasa 3.6's NLG request, with a small tracker (tests/backend/api has the full-size one in the bench)."""
    return {
        "response": response,
        "arguments": arguments,
        "id": None,
        "tracker": {"sender_id": sender_id, "slots": {}, "latest_message": {}, "events": []},
        "channel": {"name": "gateway"},
    }


async def _post(app, body: object, headers: dict | None = None):  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.post(
        "/internal/nlg", json=body, headers=AUTH if headers is None else headers
    )
    return response


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": "Basic test-internal-secret"},
        {"Authorization": "Bearer "},
    ],
)
async def test_nlg_answers_401_without_the_internal_secret(app, headers: dict) -> None:
    response = await _post(app, nlg_request("utter_greet"), headers)
    assert response.status == 401
    assert "text" not in response.json


async def test_nlg_renders_in_the_conversations_language(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, language="sv")
    response = await _post(app, nlg_request("utter_ask_dwelling_confirmed", conversation.id))
    assert response.status == 200
    assert response.json == {
        "text": "Stämmer uppgifterna om bostaden?",
        "buttons": [{"title": "Ja", "payload": "/affirm"}, {"title": "Nej", "payload": "/deny"}],
    }


async def test_a_conversation_without_a_language_gets_the_default_language(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, language=None)
    response = await _post(app, nlg_request("utter_ask_submit_confirmed", conversation.id))
    assert response.json["buttons"][0]["title"] == "Qinnuteqaat nassiuguk"


async def test_an_unknown_conversation_gets_the_configured_default_language(
    settings: Settings, engine
) -> None:  # type: ignore[no-untyped-def]
    app = create_app(replace(settings, default_language="da"), name="inissiaq_test_nlg_default")
    response = await _post(app, nlg_request("utter_no_application", "no-such-conversation"))
    assert response.json["text"] == "Jeg kan ikke finde nogen ansøgning om boligsikring fra dig."


async def test_an_explicit_language_argument_overrides_the_conversation(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, language="kl")
    response = await _post(app, nlg_request("utter_language_changed", conversation.id, language="da"))
    assert response.json["text"] == "Fint, fra nu af skriver jeg på dansk."


async def test_an_unknown_response_answers_the_generic_error_not_a_500(
    app, db: AsyncSession, caplog: pytest.LogCaptureFixture
) -> None:
    conversation = await create_conversation(db, language="da")
    response = await _post(app, nlg_request("utter_never_heard_of", conversation.id))
    assert response.status == 200
    assert response.json == {"text": "Beklager, noget gik galt. Prøv venligst igen.", "buttons": []}
    assert "utter_never_heard_of" in caplog.text


async def test_a_request_without_a_response_name_answers_the_generic_error(app) -> None:  # type: ignore[no-untyped-def]
    response = await _post(app, {"tracker": {"sender_id": "x"}})
    assert response.status == 200
    assert response.json["text"]


@pytest.mark.parametrize("body", ["not an object", ["utter_greet"], None])
async def test_a_body_that_is_not_an_object_is_refused(app, body: object) -> None:
    response = await _post(app, body)
    assert response.status == 400


async def test_arguments_are_formatted_for_the_conversations_locale(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, language="da")
    response = await _post(app, nlg_request("utter_draft_dwelling", conversation.id, **SAMPLE_ARGUMENTS))
    assert "Husleje pr. måned: 6.450,00\xa0kr." in response.json["text"]


async def test_rasas_own_message_fields_among_the_arguments_are_ignored(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, language="da")
    body = nlg_request(
        "utter_thank", conversation.id, text=None, buttons=[], elements=[], custom={}, template="utter_thank"
    )
    response = await _post(app, body)
    assert response.json == {"text": "Selv tak. Kan jeg hjælpe dig med andet?", "buttons": []}


async def test_the_private_landlord_answer_gets_the_configured_form_address(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, language="kl")
    response = await _post(app, nlg_request("utter_private_landlord_info", conversation.id))
    assert response.json["text"].endswith(": https://www.sullissivik.gl/Forms/Boligsikring")


async def test_an_sms_conversation_gets_the_login_address_in_the_text(app, db: AsyncSession) -> None:
    conversation = await create_conversation(db, language="da", channel="sms")
    response = await _post(
        app, nlg_request("utter_login_required", conversation.id, login_url="https://x.gl/l/1")
    )
    assert response.json["text"].endswith("\nhttps://x.gl/l/1")


@pytest.mark.parametrize("language", ["kl", "da", "sv"])
async def test_every_registered_response_renders_through_the_endpoint(
    app, db: AsyncSession, language: str
) -> None:
    conversation = await create_conversation(db, language=language)
    for name in RESPONSES:
        response = await _post(app, nlg_request(name, conversation.id, **SAMPLE_ARGUMENTS))
        assert response.status == 200, name
        assert response.json["text"].strip(), name
        assert "{" not in response.json["text"], name
