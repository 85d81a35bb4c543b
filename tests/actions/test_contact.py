"""The citizen changes where notifications go: current data, a new number or address, the save."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.contact import (
    ActionChangeContact,
    ActionStartContactChange,
    ValidateContactForm,
    display_phone,
    parse_contact,
)
from tests.actions.conftest import CONVERSATION, FakeBackend, make_tracker, responses, slot_events

BASE = f"/internal/conversations/{CONVERSATION}"


@pytest.mark.parametrize(
    ("text", "change"),
    [
        ("aviaja@example.gl", {"email": "aviaja@example.gl", "channels": ["email", "sms", "telegram"]}),
        (
            "min mail er aviaja.l@nuuk.example.gl tak",
            {"email": "aviaja.l@nuuk.example.gl", "channels": ["email", "sms", "telegram"]},
        ),
        ("52 12 34", {"phone": "+299521234", "channels": ["sms", "email", "telegram"]}),
        (
            "mit nye nummer er +45 20 12 34 56",
            {"phone": "+4520123456", "channels": ["sms", "email", "telegram"]},
        ),
    ],
)
def test_a_number_or_an_address_is_understood(text: str, change: dict) -> None:
    assert parse_contact(text) == change


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("SMS", "sms"),
        ("e-post!", "email"),
        (" E-mail. ", "email"),
        ("Telegramikkut", "telegram"),
        ("mail", "email"),
    ],
)
def test_a_channel_named_alone_is_a_choice_of_the_first_channel(text: str, first: str) -> None:
    change = parse_contact(text)
    assert change is not None and set(change) == {"channels"}
    assert change["channels"][0] == first and sorted(change["channels"]) == ["email", "sms", "telegram"]


async def test_a_chosen_channel_is_confirmed_and_one_without_an_address_is_explained(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/contact", body={"status": "ok", "contact": {}})
    await ActionChangeContact().run(dispatcher, make_tracker({"contact_detail": "telegram"}), {})
    assert backend.sent() == [("POST", f"{BASE}/contact", {"channels": ["telegram", "sms", "email"]})]
    backend.answer("POST", f"{BASE}/contact", status=400, body={"error": "no_address"})
    events = await ActionChangeContact().run(dispatcher, make_tracker({"contact_detail": "e-mail"}), {})
    assert responses(dispatcher) == ["utter_contact_channel_telegram", "utter_contact_channel_missing"]
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "contact_form"}  # asks again


@pytest.mark.parametrize(
    "text", ["", "ved ikke", "12", "sms og mail", "<script>@</script>", "a@b", "x" * 400, None, 42]
)
def test_anything_else_is_not_a_contact(text: object) -> None:
    assert parse_contact(text) is None


async def test_the_current_data_is_shown_and_the_form_follows(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    contact = {"phone": "+299551234", "email": None, "channels": ["sms"], "changed_by": None}
    backend.answer("GET", f"{BASE}/contact", body={"status": "ok", "contact": contact})
    events = await ActionStartContactChange().run(dispatcher, make_tracker(intent="change_contact_info"), {})
    [shown] = dispatcher.messages
    assert (shown["response"], shown["sms_to"], shown["email_to"]) == (
        "utter_contact_current",
        "+299 55 12 34",
        "–",
    )
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "contact_form"}


async def test_an_anonymous_citizen_is_asked_to_log_in_first(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("GET", f"{BASE}/contact", body={"status": "login_required", "login_url": "http://x/l/abc"})
    events = await ActionStartContactChange().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_login_required"]
    assert dispatcher.messages[0]["login_url"] == "http://x/l/abc"
    assert events == []  # no form without a login


async def test_the_form_refuses_what_is_neither_and_keeps_asking(dispatcher: CollectingDispatcher) -> None:
    form = ValidateContactForm()
    refused = await form.validate_contact_detail("ingen anelse", dispatcher, make_tracker(), {})
    accepted = await form.validate_contact_detail("aviaja@example.gl", dispatcher, make_tracker(), {})
    assert refused == {"contact_detail": None} and accepted == {"contact_detail": "aviaja@example.gl"}
    assert responses(dispatcher) == ["utter_contact_invalid"]


async def test_a_number_is_kept_in_e164_and_a_swedish_070_number_is_read_in_a_swedish_conversation(
    dispatcher: CollectingDispatcher, backend: FakeBackend
) -> None:
    form = ValidateContactForm()
    backend.answer("GET", BASE, body={"conversation_id": CONVERSATION, "language": "sv"})
    danish = await form.validate_contact_detail("20 12 34 56", dispatcher, make_tracker(), {})
    swedish = await form.validate_contact_detail("070-123 45 67", dispatcher, make_tracker(), {})
    assert danish == {"contact_detail": "+4520123456"} and swedish == {"contact_detail": "+46701234567"}
    assert dispatcher.messages == []


async def test_a_070_number_in_a_danish_conversation_is_asked_about_not_guessed(
    dispatcher: CollectingDispatcher, backend: FakeBackend
) -> None:
    backend.answer("GET", BASE, body={"conversation_id": CONVERSATION, "language": "da"})
    refused = await ValidateContactForm().validate_contact_detail(
        "070-123 45 67", dispatcher, make_tracker(), {}
    )
    assert refused == {"contact_detail": None}
    assert responses(dispatcher) == ["utter_phone_ambiguous"]


async def test_the_new_address_is_saved_and_confirmed(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/contact", body={"status": "ok", "contact": {}})
    tracker = make_tracker({"contact_detail": "aviaja@example.gl"})
    events = await ActionChangeContact().run(dispatcher, tracker, {})
    assert backend.sent() == [
        ("POST", f"{BASE}/contact", {"email": "aviaja@example.gl", "channels": ["email", "sms", "telegram"]})
    ]
    assert responses(dispatcher) == ["utter_contact_changed"]
    assert dispatcher.messages[0]["contact"] == "aviaja@example.gl"
    assert slot_events(events) == {"contact_detail": None}


async def test_a_refused_change_says_so_and_a_backend_failure_is_soft(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/contact", status=400, body={"error": "invalid_phone"})
    await ActionChangeContact().run(dispatcher, make_tracker({"contact_detail": "52 12 34"}), {})
    backend.down = True
    await ActionChangeContact().run(dispatcher, make_tracker({"contact_detail": "52 12 34"}), {})
    assert responses(dispatcher) == ["utter_contact_invalid", "utter_backend_unavailable"]


def test_numbers_are_shown_grouped_and_nonsense_is_not_shown() -> None:
    assert display_phone("+299551234") == "+299 55 12 34"
    assert display_phone("nonsense") is None and display_phone(None) is None
