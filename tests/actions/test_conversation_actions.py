"""Status, secure messages, language, fallback, caseworker messages and logout."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionHandleFallback
from actions.language import ActionSetLanguage
from actions.messages import ActionReadMessages, ActionSendCaseworkerMessage
from actions.session import ActionLogout
from actions.status import ActionCheckStatus
from tests.actions.conftest import CONVERSATION, FakeBackend, make_tracker, responses, slot_events

BASE = f"/internal/conversations/{CONVERSATION}"


async def test_status_of_a_submitted_application(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    application = {
        "reference": "BS-1",
        "status": "received",
        "submitted_at": "2026-11-01T10:00:00+00:00",
        "decision": None,
    }
    backend.answer("GET", f"{BASE}/status", body={"status": "found", "application": application})
    await ActionCheckStatus().run(dispatcher, make_tracker(), {})
    assert dispatcher.messages[0]["response"] == "utter_status"
    assert dispatcher.messages[0]["status"] == "received"
    assert dispatcher.messages[0]["submitted_datetime"] == "2026-11-01T10:00:00+00:00"


async def test_status_of_a_decided_application(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    application = {
        "reference": "BS-1",
        "status": "decided",
        "decision": "granted",
        "decided_on": "2026-11-20",
    }
    backend.answer("GET", f"{BASE}/status", body={"status": "found", "application": application})
    await ActionCheckStatus().run(dispatcher, make_tracker(), {})
    [message] = dispatcher.messages
    assert (message["response"], message["decision"], message["decided_on_date"]) == (
        "utter_status_decided",
        "granted",
        "2026-11-20",
    )


TIMELINE = [
    {"status": "submitted", "at": "2026-11-01T10:00:00+00:00"},
    {"status": "received", "at": "2026-11-02T08:30:00+00:00"},
    {"status": "waiting_for_citizen", "at": "2026-11-02T08:45:00+00:00"},
]


async def test_the_status_answer_carries_the_backends_timeline(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    application = {
        "reference": "BS-1",
        "status": "waiting_for_citizen",
        "submitted_at": "2026-11-01T10:00:00+00:00",
        "decision": None,
        "timeline": TIMELINE,
    }
    backend.answer("GET", f"{BASE}/status", body={"status": "found", "application": application})
    await ActionCheckStatus().run(dispatcher, make_tracker(), {})
    [message] = dispatcher.messages
    assert (message["response"], message["status"], message["timeline"]) == (
        "utter_status",
        "waiting_for_citizen",
        TIMELINE,
    )


async def test_the_decided_answer_carries_the_timeline_too(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    timeline = [*TIMELINE, {"status": "decided", "at": "2026-11-20T13:00:00+00:00"}]
    application = {
        "reference": "BS-1",
        "status": "decided",
        "decision": "refused",
        "decided_on": "2026-11-20",
        "timeline": timeline,
    }
    backend.answer("GET", f"{BASE}/status", body={"status": "found", "application": application})
    await ActionCheckStatus().run(dispatcher, make_tracker(), {})
    [message] = dispatcher.messages
    assert (message["response"], message["decision"], message["timeline"]) == (
        "utter_status_decided",
        "refused",
        timeline,
    )


@pytest.mark.parametrize(
    ("body", "response"),
    [
        ({"status": "none"}, "utter_no_application"),
        ({"status": "login_required", "login_url": "http://x/auth/login"}, "utter_login_required"),
        ({"status": "surprise"}, "utter_backend_unavailable"),
    ],
)
async def test_status_answers(
    backend: FakeBackend, dispatcher: CollectingDispatcher, body: dict, response: str
) -> None:
    backend.answer("GET", f"{BASE}/status", body=body)
    await ActionCheckStatus().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == [response]


async def test_status_with_the_backend_down(backend: FakeBackend, dispatcher: CollectingDispatcher) -> None:
    backend.down = True
    assert await ActionCheckStatus().run(dispatcher, make_tracker(), {}) == []
    assert responses(dispatcher) == ["utter_backend_unavailable"]


async def test_each_secure_message_is_shown_with_its_time(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    messages = [
        {
            "id": "m1",
            "from": "caseworker",
            "text": "Vi har modtaget din ansøgning",
            "sent_at": "2026-11-20T09:00:00+00:00",
        },
        {
            "id": "m2",
            "from": "caseworker",
            "text": "Send venligst lejekontrakten",
            "sent_at": "2026-11-21T09:00:00+00:00",
        },
    ]
    backend.answer("GET", f"{BASE}/messages", body={"status": "ok", "messages": messages})
    await ActionReadMessages().run(dispatcher, make_tracker(), {})
    assert [(m["response"], m["message_text"], m["sent_datetime"]) for m in dispatcher.messages] == [
        ("utter_secure_message", "Vi har modtaget din ansøgning", "2026-11-20T09:00:00+00:00"),
        ("utter_secure_message", "Send venligst lejekontrakten", "2026-11-21T09:00:00+00:00"),
    ]


async def test_no_messages(backend: FakeBackend, dispatcher: CollectingDispatcher) -> None:
    backend.answer("GET", f"{BASE}/messages", body={"status": "ok", "messages": []})
    await ActionReadMessages().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_no_messages"]


async def test_reading_messages_before_the_backend_has_the_route_is_a_soft_failure(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    await ActionReadMessages().run(dispatcher, make_tracker(), {})  # no route: 404
    assert responses(dispatcher) == ["utter_backend_unavailable"]


async def test_choosing_a_language_stores_it_then_confirms(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/language", body={"language": "sv"})
    tracker = make_tracker(intent="choose_language", entities=[{"entity": "language", "value": "sv"}])
    await ActionSetLanguage().run(dispatcher, tracker, {})
    assert backend.sent() == [("POST", f"{BASE}/language", {"language": "sv"})]
    assert responses(dispatcher) == ["utter_language_changed"]


async def test_without_a_language_entity_the_assistant_asks_which(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    await ActionSetLanguage().run(dispatcher, make_tracker(intent="choose_language"), {})
    assert backend.requests == []
    assert responses(dispatcher) == ["utter_ask_language"]


def fallback_events(count: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"event": "user", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "action", "name": "utter_greet"},
    ]
    for _ in range(count):
        events.append({"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}})
        events.append({"event": "action", "name": "action_handle_fallback"})
    return events[:-1]


async def test_the_first_misunderstanding_shows_the_options() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHandleFallback().run(dispatcher, make_tracker(events=fallback_events(1)), {})
    assert responses(dispatcher) == ["utter_default"]
    assert slot_events(events) == {"caseworker_offered": False}


async def test_the_second_misunderstanding_in_a_row_offers_a_caseworker() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionHandleFallback().run(dispatcher, make_tracker(events=fallback_events(2)), {})
    assert responses(dispatcher) == ["utter_offer_caseworker"]
    assert slot_events(events) == {"caseworker_offered": True}


async def test_inside_the_application_form_a_misunderstanding_leaves_the_form_to_ask_again() -> None:
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(events=fallback_events(2), active_loop="application_form")
    assert await ActionHandleFallback().run(dispatcher, tracker, {}) == []
    assert dispatcher.messages == []


async def test_the_caseworker_message_is_sent(backend: FakeBackend, dispatcher: CollectingDispatcher) -> None:
    backend.answer("POST", f"{BASE}/citizen-messages", status=201, body={"thread_id": "t1"})
    events = await ActionSendCaseworkerMessage().run(
        dispatcher, make_tracker({"caseworker_message": "Ring mig"}), {}
    )
    assert backend.sent() == [("POST", f"{BASE}/citizen-messages", {"text": "Ring mig"})]
    assert responses(dispatcher) == ["utter_caseworker_message_sent"]
    assert slot_events(events)["caseworker_message"] is None


async def test_an_anonymous_caseworker_message_asks_for_login(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer(
        "POST",
        f"{BASE}/citizen-messages",
        status=401,
        body={"status": "login_required", "login_url": "http://x/l"},
    )
    await ActionSendCaseworkerMessage().run(dispatcher, make_tracker({"caseworker_message": "Ring mig"}), {})
    assert responses(dispatcher) == ["utter_login_required"]


async def test_a_caseworker_message_with_the_backend_down_keeps_the_text(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.down = True
    events = await ActionSendCaseworkerMessage().run(
        dispatcher, make_tracker({"caseworker_message": "Ring mig"}), {}
    )
    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert events == []


async def test_logout(backend: FakeBackend, dispatcher: CollectingDispatcher) -> None:
    backend.answer("POST", f"{BASE}/logout", body={"status": "logged_out"})
    events = await ActionLogout().run(dispatcher, make_tracker({"draft_id": "d"}), {})
    assert responses(dispatcher) == ["utter_logged_out"]
    assert slot_events(events)["draft_id"] is None


async def test_logout_before_the_backend_has_the_route_is_a_soft_failure(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    assert await ActionLogout().run(dispatcher, make_tracker({"draft_id": "d"}), {}) == []
    assert responses(dispatcher) == ["utter_backend_unavailable"]
