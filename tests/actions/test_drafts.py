"""Resumable drafts in the actions: the offer, continuing, starting again, and saving each answer
before the form asks its next question."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.application import ActionStartApplication
from actions.drafts import (
    STEPS,
    ActionAskDraftChoice,
    ActionAskDwellingConfirmed,
    ActionAskHouseholdConfirmed,
    ActionAskPhoneAndSave,
    ActionAskSubmitConfirmedAndSave,
    ActionContinueOrRestartDraft,
    ValidateDraftChoiceForm,
    registered_action,
)
from tests.actions.conftest import CONVERSATION, FakeBackend, make_tracker, responses, slot_events
from tests.actions.test_application import DISPLAY

ROOT = Path(__file__).resolve().parents[2]
DRAFT_PATH = f"/internal/conversations/{CONVERSATION}/draft"
ANSWERS_PATH = f"{DRAFT_PATH}/answers"
READY = {"status": "ready", "draft_id": "d-7", "register_phone": "+299551234", "display": DISPLAY}
CONTINUE = make_tracker({"draft_choice": "continue"})
DOMAIN = {"actions": ["utter_ask_household_confirmed", "action_ask_phone", "action_ask_submit_confirmed"]}


def continued(answers: dict[str, Any], register_changed: list[str] | None = None) -> dict[str, Any]:
    return {
        **READY,
        "continued": True,
        "started_on": "2026-12-03",
        "answers": answers,
        "register_changed": register_changed or [],
    }


def active_loops(events: list[dict[str, Any]]) -> list[str | None]:
    return [e["name"] for e in events if e.get("event") == "active_loop"]


async def test_a_saved_draft_opens_the_offer_form_and_forgets_the_conversations_earlier_application(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer(
        "POST", DRAFT_PATH, body={"status": "resumable", "started_on": "2026-12-03", "last_step": "phone"}
    )
    events = await ActionStartApplication().run(dispatcher, make_tracker({"draft_id": "old"}), {})
    assert dispatcher.messages == []  # draft_choice_form asks
    slots = slot_events(events)
    assert slots["draft_started_on"] == "2026-12-03" and slots["application_ready"] is False
    assert slots["draft_id"] is None and slots["draft_choice"] is None
    assert events[-1] == {"event": "active_loop", "timestamp": None, "name": "draft_choice_form"}


async def test_the_offer_names_the_day_the_draft_was_started(dispatcher: CollectingDispatcher) -> None:
    tracker = make_tracker({"draft_started_on": "2026-12-03"}, active_loop="draft_choice_form")
    assert await ActionAskDraftChoice().run(dispatcher, tracker, {}) == []
    assert dispatcher.messages == [
        {**dispatcher.messages[0], "response": "utter_draft_resume_offer", "started_date": "2026-12-03"}
    ]


@pytest.mark.parametrize(
    ("value", "choice"),
    [
        ("continue", "continue"),
        ("restart", "restart"),
        ("Ingerlaqqigit", "continue"),
        ("fortsæt!", "continue"),
        ("Fortsätt", "continue"),
        ("Aallarteqqigit", "restart"),
        ("start  forfra", "restart"),
        ("Börja om.", "restart"),
        ("hvilke dokumenter skal jeg bruge", None),
        ("52 12 34", None),
        ("", None),
        (None, None),
    ],
)
def test_the_offer_takes_yes_no_or_a_buttons_word_and_asks_again_for_anything_else(
    dispatcher: CollectingDispatcher, value: object, choice: str | None
) -> None:
    result = ValidateDraftChoiceForm().validate_draft_choice(value, dispatcher, make_tracker(), {})
    assert result == {"draft_choice": choice}
    assert dispatcher.messages == []  # the form asks the offer again


async def test_continuing_fills_the_answers_shows_what_is_still_open_and_starts_the_form_last(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{DRAFT_PATH}/continue", body=continued({"dwelling_confirmed": True}))
    events = await ActionContinueOrRestartDraft().run(dispatcher, CONTINUE, {})
    assert responses(dispatcher) == ["utter_draft_continued", "utter_draft_household"]
    assert dispatcher.messages[0]["started_date"] == "2026-12-03"
    assert dispatcher.messages[1]["household_list"] == DISPLAY["household_list"]
    slots = slot_events(events)
    assert slots["dwelling_confirmed"] is True
    assert all(slots[step] is None for step in STEPS if step != "dwelling_confirmed")
    assert (slots["draft_id"], slots["register_phone"], slots["period_month"]) == (
        "d-7",
        "+299551234",
        "2026-11",
    )
    assert slots["application_ready"] is True and slots["draft_choice"] is None
    # The form is activated after the slots, so it validates none of them and asks the first empty step.
    assert events[-1] == {"event": "active_loop", "timestamp": None, "name": "application_form"}


async def test_a_section_changed_in_the_registers_is_announced_and_shown_again(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer(
        "POST",
        f"{DRAFT_PATH}/continue",
        body=continued({"household_confirmed": True}, register_changed=["dwelling"]),
    )
    await ActionContinueOrRestartDraft().run(dispatcher, CONTINUE, {})
    assert responses(dispatcher) == [
        "utter_draft_continued",
        "utter_draft_register_changed",
        "utter_draft_tenant",
        "utter_draft_dwelling",
    ]
    assert dispatcher.messages[3]["rent_amount"] == "6450.00"


async def test_a_no_without_its_correction_shows_that_section_again(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{DRAFT_PATH}/continue", body=continued({"dwelling_confirmed": False}))
    events = await ActionContinueOrRestartDraft().run(dispatcher, CONTINUE, {})
    assert responses(dispatcher)[1:] == [
        "utter_draft_tenant",
        "utter_draft_dwelling",
        "utter_draft_household",
    ]
    assert slot_events(events)["dwelling_confirmed"] is False


async def test_when_nothing_was_left_to_continue_the_new_draft_is_shown_whole(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{DRAFT_PATH}/continue", body=READY)
    events = await ActionContinueOrRestartDraft().run(dispatcher, CONTINUE, {})
    assert responses(dispatcher) == [
        "utter_draft_intro",
        "utter_draft_tenant",
        "utter_draft_dwelling",
        "utter_draft_household",
    ]
    assert all(slot_events(events)[step] is None for step in STEPS)
    assert active_loops(events) == ["application_form"]


async def test_starting_again_shows_the_new_draft_and_starts_the_form(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("POST", f"{DRAFT_PATH}/restart", body={**READY, "draft_id": "d-8"})
    events = await ActionContinueOrRestartDraft().run(
        dispatcher,
        make_tracker({"draft_id": "d-7", "dwelling_confirmed": True, "draft_choice": "restart"}),
        {},
    )
    assert [r.url.path for r in backend.requests] == [f"{DRAFT_PATH}/restart"]
    assert responses(dispatcher)[0] == "utter_draft_intro"
    slots = slot_events(events)
    assert slots["draft_id"] == "d-8" and slots["dwelling_confirmed"] is None
    assert active_loops(events) == ["application_form"]


@pytest.mark.parametrize("choice", ["continue", "restart"])
async def test_a_login_that_ran_out_is_asked_for_and_no_form_starts(
    backend: FakeBackend, dispatcher: CollectingDispatcher, choice: str
) -> None:
    login = {"status": "login_required", "login_url": "https://x/l/abc"}
    backend.answer("POST", f"{DRAFT_PATH}/continue", body=login)
    backend.answer("POST", f"{DRAFT_PATH}/restart", body=login)
    events = await ActionContinueOrRestartDraft().run(dispatcher, make_tracker({"draft_choice": choice}), {})
    assert [r.url.path for r in backend.requests] == [f"{DRAFT_PATH}/{choice}"]
    assert responses(dispatcher) == ["utter_login_required"]
    assert dispatcher.messages[0]["login_url"] == "https://x/l/abc"
    assert slot_events(events) == {"application_ready": False, "draft_choice": None}
    assert active_loops(events) == []


async def test_a_referral_while_continuing_is_said_and_forgets_the_application(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer(
        "POST",
        f"{DRAFT_PATH}/continue",
        body={"status": "referral", "reason": "private_landlord", "manual_form_url": "https://m"},
    )
    events = await ActionContinueOrRestartDraft().run(
        dispatcher, make_tracker({"draft_id": "d-7", "draft_choice": "continue"}), {}
    )
    assert responses(dispatcher) == ["utter_referral_private_landlord"]
    assert slot_events(events)["draft_id"] is None and active_loops(events) == []


@pytest.mark.parametrize("choice", ["continue", "restart"])
async def test_a_backend_that_is_down_gets_the_soft_failure(
    backend: FakeBackend, dispatcher: CollectingDispatcher, choice: str
) -> None:
    backend.down = True
    events = await ActionContinueOrRestartDraft().run(dispatcher, make_tracker({"draft_choice": choice}), {})
    assert responses(dispatcher) == ["utter_backend_unavailable"]
    assert slot_events(events) == {"application_ready": False, "draft_choice": None}


async def test_the_answers_so_far_are_saved_before_the_next_question(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("PUT", ANSWERS_PATH, body={"status": "saved", "last_step": "dwelling_confirmed"})
    tracker = make_tracker({"draft_id": "d-7", "dwelling_confirmed": True}, active_loop="application_form")
    events = await ActionAskHouseholdConfirmed().run(dispatcher, tracker, DOMAIN)
    [(method, path, body)] = backend.sent()
    assert (method, path) == ("PUT", ANSWERS_PATH)
    assert body == {"draft_id": "d-7", "answers": {**dict.fromkeys(STEPS), "dwelling_confirmed": True}}
    assert responses(dispatcher) == ["utter_ask_household_confirmed"]
    assert events == []


async def test_a_correction_is_saved_only_after_no_to_its_section(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("PUT", ANSWERS_PATH, body={"status": "saved"})
    slots = {
        "draft_id": "d-7",
        "dwelling_confirmed": False,
        "dwelling_correction": "Lejen er forkert",
        "household_confirmed": True,
        "household_correction": "left over",
        "phone": "+299551234",
    }
    await ActionAskSubmitConfirmedAndSave().run(dispatcher, make_tracker(slots), DOMAIN)
    [(_, _, body)] = backend.sent()
    assert body["answers"] == {
        "dwelling_confirmed": False,
        "dwelling_correction": "Lejen er forkert",
        "household_confirmed": True,
        "household_correction": None,
        "phone": "+299551234",
    }
    # The form's own question action runs after the save: the summary, then "send now?".
    assert responses(dispatcher) == ["utter_summary", "utter_ask_submit_confirmed"]


async def test_the_phone_question_is_asked_by_the_forms_own_action(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("PUT", ANSWERS_PATH, body={"status": "saved"})
    tracker = make_tracker(
        {
            "draft_id": "d-7",
            "dwelling_confirmed": True,
            "household_confirmed": True,
            "register_phone": "+299551234",
        }
    )
    await ActionAskPhoneAndSave().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_ask_phone_known"]
    assert dispatcher.messages[0]["register_phone"] == "+299551234"


async def test_nothing_is_saved_before_the_first_answer(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    await ActionAskDwellingConfirmed().run(dispatcher, make_tracker({"draft_id": "d-7"}), DOMAIN)
    assert backend.requests == []
    assert responses(dispatcher) == ["utter_ask_dwelling_confirmed"]


async def test_when_the_login_ran_out_the_form_stops_and_asks_to_log_in_instead_of_asking_on(
    backend: FakeBackend, dispatcher: CollectingDispatcher
) -> None:
    backend.answer("PUT", ANSWERS_PATH, body={"status": "login_required", "login_url": "https://x/l/new"})
    tracker = make_tracker(
        {
            "draft_id": "d-7",
            "dwelling_confirmed": True,
            "household_confirmed": True,
            "register_phone": "+299551234",
        },
        active_loop="application_form",
    )
    events = await ActionAskPhoneAndSave().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_login_required"]  # never the register's phone number
    assert dispatcher.messages[0]["login_url"] == "https://x/l/new"
    slots = slot_events(events)
    assert (
        slots["requested_slot"] is None and slots["draft_id"] is None and slots["household_confirmed"] is None
    )
    assert active_loops(events) == [None]
    assert events[-1] == {"event": "followup", "timestamp": None, "name": "action_listen"}


@pytest.mark.parametrize("failure", ["down", "unknown_draft"])
async def test_a_save_that_fails_otherwise_does_not_hold_up_the_form(
    backend: FakeBackend, dispatcher: CollectingDispatcher, failure: str
) -> None:
    if failure == "down":
        backend.down = True
    else:
        backend.answer("PUT", ANSWERS_PATH, status=400, body={"error": "unknown_draft", "message": "no"})
    tracker = make_tracker({"draft_id": "d-7", "dwelling_confirmed": True})
    events = await ActionAskHouseholdConfirmed().run(dispatcher, tracker, DOMAIN)
    assert responses(dispatcher) == ["utter_ask_household_confirmed"]
    assert events == []


def test_every_step_of_the_application_form_has_a_saving_question_declared_in_the_domain() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    form_steps = domain["forms"]["application_form"]["required_slots"]
    names = {f"action_ask_application_form_{slot}" for slot in form_steps}
    assert names <= set(domain["actions"])
    assert {name for name in names if registered_action(name) is None} == set()
    assert set(STEPS) == set(form_steps) - {"submit_confirmed"}
