from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.application import ActionStartApplication, ActionStopApplication, ActionSubmitApplication
from actions.common import APPLICATION_SLOTS
from tests.actions.conftest import CONVERSATION, FakeBackend, make_tracker, responses, slot_events

DRAFT_PATH = f"/internal/conversations/{CONVERSATION}/draft"
DISPLAY = {
    "now_datetime": "2026-11-23T12:00:00+00:00",
    "period_month": "2026-11",
    "tenant_name": "Aviaja Lyberth",
    "tenant_cpr_masked": "070886-xxxx",
    "tenant_address": "Aqqusinersuaq 12, 2. th., 3900 Nuuk",
    "dwelling_address": "Aqqusinersuaq 12, 2. th., 3900 Nuuk",
    "rooms": 3,
    "rent_amount": "6450.00",
    "landlord": "INI A/S",
    "move_in_date": "2019-03-01",
    "tenant_number": "INI-104233",
    "household_list": ["Aviaja Lyberth", "Hans Lyberth", "Ivalo Lyberth"],
}
APPLICATION = {
    "reference": "BS-2026-000123",
    "status": "submitted",
    "submitted_at": "2026-11-23T12:01:00+00:00",
}
FILLED = {
    "draft_id": "draft-1",
    "register_phone": "+299551234",
    "period_month": "2026-11",
    "dwelling_confirmed": False,
    "dwelling_correction": "Huslejen er forkert",
    "household_confirmed": True,
    "phone": "+299551234",
    "submit_confirmed": True,
}


async def test_a_ready_draft_is_shown_and_starts_the_form(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer(
        "POST",
        DRAFT_PATH,
        body={"status": "ready", "draft_id": "d-9", "register_phone": "+299551234", "display": DISPLAY},
    )
    events = await ActionStartApplication().run(dispatcher, make_tracker(intent="apply_housing_benefit"), {})
    assert responses(dispatcher) == [
        "utter_draft_intro",
        "utter_draft_tenant",
        "utter_draft_dwelling",
        "utter_draft_household",
    ]
    assert dispatcher.messages[2]["rent_amount"] == "6450.00"
    slots = slot_events(events)
    assert slots["draft_id"] == "d-9" and slots["register_phone"] == "+299551234"
    assert slots["period_month"] == "2026-11" and slots["application_ready"] is True
    assert all(slots[name] is None for name in ("dwelling_confirmed", "phone", "submit_confirmed"))


async def test_an_anonymous_citizen_is_asked_to_log_in(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer(
        "POST", DRAFT_PATH, body={"status": "login_required", "login_url": "http://x/auth/login?c=1"}
    )
    events = await ActionStartApplication().run(dispatcher, make_tracker(), {})
    assert dispatcher.messages == [
        {**dispatcher.messages[0], "response": "utter_login_required", "login_url": "http://x/auth/login?c=1"}
    ]
    assert slot_events(events) == {"application_ready": False}


@pytest.mark.parametrize(
    ("reason", "response"),
    [("private_landlord", "utter_referral_private_landlord"), ("no_tenancy", "utter_referral_no_tenancy")],
)
async def test_citizens_without_a_public_tenancy_are_referred_and_no_form_starts(
    backend: FakeBackend, dispatcher: CollectingDispatcher, reason: str, response: str
) -> None:
    backend.answer(
        "POST", DRAFT_PATH, body={"status": "referral", "reason": reason, "manual_form_url": "https://m"}
    )
    events = await ActionStartApplication().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == [response]
    assert dispatcher.messages[0]["manual_form_url"] == "https://m"
    assert slot_events(events)["application_ready"] is False
    assert [r.url.path for r in backend.requests] == [DRAFT_PATH]  # nothing submitted


async def test_an_existing_application_for_the_month_is_shown_instead_of_a_new_one(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", DRAFT_PATH, body={"status": "already_applied", "application": APPLICATION})
    events = await ActionStartApplication().run(dispatcher, make_tracker(), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_already_applied"
    assert (message["reference"], message["status"], message["submitted_datetime"]) == (
        "BS-2026-000123",
        "submitted",
        "2026-11-23T12:01:00+00:00",
    )
    assert slot_events(events)["application_ready"] is False


async def test_a_backend_that_is_down_gets_the_soft_failure_and_no_form(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.down = True
    events = await ActionStartApplication().run(dispatcher, make_tracker(), {})
    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert events == [{"event": "slot", "timestamp": None, "name": "application_ready", "value": False}]


async def test_sending_posts_the_confirmations_corrections_and_phone_with_the_draft_id(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", "/internal/applications", status=201, body=APPLICATION)
    events = await ActionSubmitApplication().run(dispatcher, make_tracker(FILLED), {})
    [(method, path, body)] = backend.sent()
    assert (method, path) == ("POST", "/internal/applications")
    assert body == {
        "conversation_id": CONVERSATION,
        "draft_id": "draft-1",
        "dwelling_confirmed": False,
        "household_confirmed": True,
        "corrections": [{"section": "dwelling", "text": "Huslejen er forkert"}],
        "phone": "+299551234",
    }
    assert responses(dispatcher) == ["utter_receipt"]
    assert dispatcher.messages[0]["reference"] == "BS-2026-000123"
    assert dispatcher.messages[0]["submitted_datetime"] == "2026-11-23T12:01:00+00:00"
    slots = slot_events(events)
    assert all(slots[name] is None for name in APPLICATION_SLOTS)
    assert slots["application_ready"] is False and slots["submission_pending"] is False


async def test_a_backend_error_while_sending_keeps_everything_for_a_retry_with_the_same_draft(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", "/internal/applications", status=503, body={"error": "unavailable"})
    events = await ActionSubmitApplication().run(dispatcher, make_tracker(FILLED), {})
    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert slot_events(events) == {"submission_pending": True}

    backend.answer("POST", "/internal/applications", status=200, body=APPLICATION)
    retry = CollectingDispatcher()
    await ActionSubmitApplication().run(retry, make_tracker({**FILLED, "submission_pending": True}), {})
    assert responses(retry) == ["utter_receipt"]
    assert [body["draft_id"] for _, _, body in backend.sent()] == ["draft-1", "draft-1"]


async def test_a_month_already_applied_for_is_answered_with_that_application(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer(
        "POST",
        "/internal/applications",
        status=409,
        body={"error": "already_applied", "application": APPLICATION},
    )
    events = await ActionSubmitApplication().run(dispatcher, make_tracker(FILLED), {})
    assert responses(dispatcher) == ["utter_already_applied"]
    assert slot_events(events)["draft_id"] is None


async def test_stop_at_the_confirmation_sends_nothing(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    events = await ActionSubmitApplication().run(
        dispatcher, make_tracker({**FILLED, "submit_confirmed": False}), {}
    )
    assert backend.requests == []
    assert responses(dispatcher) == ["utter_application_not_sent"]
    assert slot_events(events)["application_ready"] is False


async def test_cancel_stops_the_application_and_forgets_it(dispatcher: CollectingDispatcher) -> None:
    events = await ActionStopApplication().run(dispatcher, make_tracker(FILLED), {})
    assert responses(dispatcher) == ["utter_application_not_sent"]
    assert all(value in (None, False) for value in slot_events(events).values())
