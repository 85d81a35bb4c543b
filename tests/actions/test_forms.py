from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ActionAskPhone, ActionAskSubmitConfirmed, ValidateApplicationForm
from actions.parsing import REGISTER_PHONE_CONFIRMED, REGISTER_PHONE_DECLINED
from tests.actions.conftest import make_tracker, responses, slot_events

DOMAIN: dict[str, Any] = {
    "forms": {
        "application_form": {
            "required_slots": [
                "dwelling_confirmed",
                "dwelling_correction",
                "household_confirmed",
                "household_correction",
                "phone",
                "submit_confirmed",
            ]
        }
    }
}


def user_turn(slots: dict[str, Any], requested: str, just_set: dict[str, Any]) -> Any:
    """A tracker right after the user's answer filled `just_set` while the form asked for `requested`."""
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "x", "parse_data": {"intent": {"name": "affirm"}}},
        *({"event": "slot", "name": k, "value": v} for k, v in just_set.items()),
    ]
    return make_tracker(
        {**slots, **just_set, "requested_slot": requested}, events=events, active_loop="application_form"
    )


async def validate(
    slots: dict[str, Any], requested: str, just_set: dict[str, Any]
) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ValidateApplicationForm().run(dispatcher, user_turn(slots, requested, just_set), DOMAIN)
    return events, dispatcher


async def test_yes_to_the_dwelling_skips_the_correction_and_asks_about_the_household() -> None:
    events, _ = await validate({}, "dwelling_confirmed", {"dwelling_confirmed": True})
    assert slot_events(events) == {"dwelling_confirmed": True, "requested_slot": "household_confirmed"}


async def test_no_to_the_dwelling_asks_what_is_wrong() -> None:
    events, _ = await validate({}, "dwelling_confirmed", {"dwelling_confirmed": False})
    assert slot_events(events) == {"dwelling_confirmed": False, "requested_slot": "dwelling_correction"}


async def test_the_correction_is_noted_against_its_section_and_the_form_moves_on() -> None:
    events, dispatcher = await validate(
        {"dwelling_confirmed": False}, "dwelling_correction", {"dwelling_correction": "  Hyran är fel  "}
    )
    assert slot_events(events) == {
        "dwelling_correction": "Hyran är fel",
        "requested_slot": "household_confirmed",
    }
    assert responses(dispatcher) == ["utter_correction_noted"]


async def test_no_to_the_household_asks_for_the_household_correction() -> None:
    events, _ = await validate(
        {"dwelling_confirmed": True}, "household_confirmed", {"household_confirmed": False}
    )
    assert slot_events(events)["requested_slot"] == "household_correction"


async def test_yes_to_the_register_phone_keeps_that_number() -> None:
    base = {"dwelling_confirmed": True, "household_confirmed": True, "register_phone": "+299551234"}
    events, dispatcher = await validate(base, "phone", {"phone": REGISTER_PHONE_CONFIRMED})
    assert slot_events(events) == {"phone": "+299551234", "requested_slot": "submit_confirmed"}
    assert dispatcher.messages == []


async def test_no_to_the_register_phone_asks_for_another_number() -> None:
    base = {"dwelling_confirmed": True, "household_confirmed": True, "register_phone": "+299551234"}
    events, dispatcher = await validate(base, "phone", {"phone": REGISTER_PHONE_DECLINED})
    assert slot_events(events) == {"phone": None, "phone_register_declined": True, "requested_slot": "phone"}
    assert dispatcher.messages == []


@pytest.mark.parametrize(
    ("said", "e164"),
    [
        ("mit nummer er 52 12 34", "+299521234"),
        ("+45 20 12 34 56", "+4520123456"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
async def test_a_valid_number_is_normalised(said: str, e164: str) -> None:
    base = {"dwelling_confirmed": True, "household_confirmed": True}
    events, _ = await validate(base, "phone", {"phone": said})
    assert slot_events(events) == {"phone": e164, "requested_slot": "submit_confirmed"}


@pytest.mark.parametrize("said", ["12", "ved ikke", "+1 202 555 0143"])
async def test_an_invalid_number_is_refused_with_the_helpful_message(said: str) -> None:
    base = {"dwelling_confirmed": True, "household_confirmed": True}
    events, dispatcher = await validate(base, "phone", {"phone": said})
    assert slot_events(events) == {"phone": None, "phone_invalid": True, "requested_slot": "phone"}
    assert responses(dispatcher) == ["utter_invalid_phone"]


async def test_yes_without_a_register_phone_is_not_a_number() -> None:
    base = {"dwelling_confirmed": True, "household_confirmed": True}
    events, _ = await validate(base, "phone", {"phone": REGISTER_PHONE_CONFIRMED})
    assert slot_events(events)["phone"] is None


async def test_both_answers_to_the_confirmation_complete_the_form() -> None:
    base = {"dwelling_confirmed": True, "household_confirmed": True, "phone": "+299551234"}
    for answer in (True, False):
        events, _ = await validate(base, "submit_confirmed", {"submit_confirmed": answer})
        assert slot_events(events) == {"submit_confirmed": answer, "requested_slot": None}


@pytest.mark.parametrize(
    ("slots", "response"),
    [
        ({"register_phone": "+299551234"}, "utter_ask_phone_known"),
        ({"register_phone": "+299551234", "phone_register_declined": True}, "utter_ask_phone"),
        ({}, "utter_ask_phone"),
    ],
)
async def test_the_phone_question_depends_on_the_register(slots: dict[str, Any], response: str) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskPhone().run(dispatcher, make_tracker(slots), {})
    assert responses(dispatcher) == [response]
    if response == "utter_ask_phone_known":
        assert dispatcher.messages[0]["register_phone"] == "+299551234"


async def test_right_after_an_invalid_number_the_phone_question_is_not_repeated() -> None:
    dispatcher = CollectingDispatcher()
    events = await ActionAskPhone().run(dispatcher, make_tracker({"phone_invalid": True}), {})
    assert dispatcher.messages == []
    assert slot_events(events) == {"phone_invalid": False}


async def test_the_confirmation_question_comes_after_the_summary() -> None:
    dispatcher = CollectingDispatcher()
    slots = {
        "period_month": "2026-11",
        "dwelling_confirmed": False,
        "household_confirmed": True,
        "phone": "+299551234",
    }
    await ActionAskSubmitConfirmed().run(dispatcher, make_tracker(slots), {})
    assert responses(dispatcher) == ["utter_summary", "utter_ask_submit_confirmed"]
    summary = dispatcher.messages[0]
    assert (summary["period_month"], summary["dwelling_confirmed"], summary["phone"]) == (
        "2026-11",
        False,
        "+299551234",
    )
