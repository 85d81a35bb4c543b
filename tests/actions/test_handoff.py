"""Talk to a person: the live queue in opening hours, the written message outside them."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionRequestPerson
from tests.actions.conftest import CONVERSATION, FakeBackend, make_tracker, responses

BASE = f"/internal/conversations/{CONVERSATION}"


async def test_in_opening_hours_the_conversation_is_queued_for_a_person(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/handoff", body={"status": "queued"})
    events = await ActionRequestPerson().run(dispatcher, make_tracker(intent="talk_to_human"), {})
    assert backend.sent() == [("POST", f"{BASE}/handoff", None)]
    assert responses(dispatcher) == ["utter_handoff_queued"]
    assert events == []


async def test_outside_opening_hours_a_written_message_is_offered(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/handoff", body={"status": "closed_hours"})
    events = await ActionRequestPerson().run(dispatcher, make_tracker(intent="talk_to_human"), {})
    assert responses(dispatcher) == ["utter_handoff_closed"]
    assert events == [{"event": "followup", "timestamp": None, "name": "caseworker_message_form"}]


async def test_a_backend_that_is_down_or_answers_nonsense_is_a_soft_failure(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{BASE}/handoff", body={"status": "whatever"})
    assert await ActionRequestPerson().run(dispatcher, make_tracker(), {}) == []
    backend.down = True
    assert await ActionRequestPerson().run(dispatcher, make_tracker(), {}) == []
    assert responses(dispatcher) == ["utter_backend_unavailable", "utter_backend_unavailable"]
