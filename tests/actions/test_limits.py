"""Over a daily limit the backend answers 429; the action says so in the citizen's language (the
`utter_too_many_requests` response) and changes nothing else."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.application import ActionStartApplication
from actions.handoff import ActionRequestPerson
from actions.messages import ActionSendCaseworkerMessage
from tests.actions.conftest import CONVERSATION, FakeBackend, make_tracker, responses, slot_events

BASE = f"/internal/conversations/{CONVERSATION}"
REFUSED = {"error": "rate_limited", "message": "too many applications today", "retry_after": 3600}


async def test_a_refused_application_start_says_try_again_tomorrow_and_starts_no_form(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/draft", status=429, body=REFUSED)
    events = await ActionStartApplication().run(dispatcher, make_tracker(intent="apply_housing_benefit"), {})
    assert responses(dispatcher) == ["utter_too_many_requests"]
    assert slot_events(events) == {"application_ready": False}


async def test_a_refused_message_to_the_municipality_says_try_again_tomorrow(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/citizen-messages", status=429, body=REFUSED)
    events = await ActionSendCaseworkerMessage().run(
        dispatcher, make_tracker({"caseworker_message": "Ring mig"}), {}
    )
    assert responses(dispatcher) == ["utter_too_many_requests"]
    assert slot_events(events)["caseworker_message"] is None


async def test_a_refused_handoff_says_try_again_tomorrow(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/handoff", status=429, body=REFUSED)
    events = await ActionRequestPerson().run(dispatcher, make_tracker(intent="talk_to_human"), {})
    assert responses(dispatcher) == ["utter_too_many_requests"]
    assert events == []
