from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import (
    FAQ_RESPONSES,
    ActionAskPhone,
    ActionAskSubmitConfirmed,
    ValidateApplicationForm,
    ValidateCaseworkerMessageForm,
)
from actions.parsing import REGISTER_PHONE_CONFIRMED, REGISTER_PHONE_DECLINED
from tests.actions.conftest import CONVERSATION, FakeBackend, make_tracker, responses, slot_events

ROOT = Path(__file__).resolve().parents[2]
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
        },
        "caseworker_message_form": {"required_slots": ["caseworker_message"]},
    }
}
BEFORE_PHONE = {"dwelling_confirmed": True, "household_confirmed": True}
BEFORE_SUBMIT = {**BEFORE_PHONE, "phone": "+299551234"}
WITH_REGISTER_PHONE = {**BEFORE_PHONE, "register_phone": "+299551234"}


def user_turn(
    slots: dict[str, Any],
    requested: str,
    just_set: dict[str, Any],
    *,
    intent: str = "affirm",
    text: str = "x",
    earlier_intents: tuple[str, ...] = (),
    form: str = "application_form",
) -> Any:
    """A tracker right after the user's answer filled `just_set` while the form asked for `requested`."""
    events = [
        *(
            {"event": "user", "text": "y", "parse_data": {"intent": {"name": name}}}
            for name in earlier_intents
        ),
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}},
        *({"event": "slot", "name": k, "value": v} for k, v in just_set.items()),
    ]
    return make_tracker(
        {**slots, **just_set, "requested_slot": requested},
        events=events,
        active_loop=form,
        intent=intent,
        text=text,
    )


async def validate(
    slots: dict[str, Any], requested: str, just_set: dict[str, Any], **turn: Any
) -> tuple[list, CollectingDispatcher]:
    dispatcher = CollectingDispatcher()
    events = await ValidateApplicationForm().run(
        dispatcher, user_turn(slots, requested, just_set, **turn), DOMAIN
    )
    return events, dispatcher


@pytest.fixture
def swedish(backend: FakeBackend) -> FakeBackend:
    backend.answer("GET", f"/internal/conversations/{CONVERSATION}", body={"language": "sv"})
    return backend


@pytest.fixture
def danish(backend: FakeBackend) -> FakeBackend:
    backend.answer("GET", f"/internal/conversations/{CONVERSATION}", body={"language": "da"})
    return backend


# ---------------------------------------------------------------- the happy path


async def test_yes_to_the_dwelling_skips_the_correction_and_asks_about_the_household() -> None:
    events, _ = await validate({}, "dwelling_confirmed", {"dwelling_confirmed": True})
    assert slot_events(events) == {"dwelling_confirmed": True, "requested_slot": "household_confirmed"}


async def test_no_to_the_dwelling_asks_what_is_wrong() -> None:
    events, _ = await validate({}, "dwelling_confirmed", {"dwelling_confirmed": False}, intent="deny")
    assert slot_events(events) == {"dwelling_confirmed": False, "requested_slot": "dwelling_correction"}


async def test_the_correction_is_noted_against_its_section_and_the_form_moves_on() -> None:
    events, dispatcher = await validate(
        {"dwelling_confirmed": False},
        "dwelling_correction",
        {"dwelling_correction": "  Hyran är fel  "},
        intent="nlu_fallback",
        text="  Hyran är fel  ",
    )
    assert slot_events(events) == {
        "dwelling_correction": "Hyran är fel",
        "requested_slot": "household_confirmed",
    }
    assert responses(dispatcher) == ["utter_correction_noted"]


async def test_no_to_the_household_asks_for_the_household_correction() -> None:
    events, _ = await validate(
        {"dwelling_confirmed": True}, "household_confirmed", {"household_confirmed": False}, intent="deny"
    )
    assert slot_events(events)["requested_slot"] == "household_correction"


async def test_yes_to_the_register_phone_keeps_that_number() -> None:
    events, dispatcher = await validate(
        WITH_REGISTER_PHONE, "phone", {"phone": REGISTER_PHONE_CONFIRMED}, text="aap"
    )
    assert slot_events(events) == {"phone": "+299551234", "requested_slot": "submit_confirmed"}
    assert dispatcher.messages == []


async def test_no_to_the_register_phone_asks_for_another_number() -> None:
    events, dispatcher = await validate(
        WITH_REGISTER_PHONE, "phone", {"phone": REGISTER_PHONE_DECLINED}, intent="deny", text="nej"
    )
    assert slot_events(events) == {"phone": None, "phone_register_declined": True, "requested_slot": "phone"}
    assert dispatcher.messages == []


async def test_no_with_a_new_number_takes_the_new_number() -> None:
    events, _ = await validate(
        WITH_REGISTER_PHONE,
        "phone",
        {"phone": REGISTER_PHONE_DECLINED},
        intent="deny",
        text="nej, det er 52 12 34",
    )
    assert slot_events(events) == {"phone": "+299521234", "requested_slot": "submit_confirmed"}


@pytest.mark.parametrize(
    ("said", "e164"),
    [
        ("mit nummer er 52 12 34", "+299521234"),
        ("20 12 34 56", "+4520123456"),
        ("+45 20 12 34 56", "+4520123456"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046 70 123 45 67", "+46701234567"),
    ],
)
async def test_a_valid_number_is_normalised(said: str, e164: str) -> None:
    events, _ = await validate(BEFORE_PHONE, "phone", {"phone": said}, intent="inform_phone", text=said)
    assert slot_events(events) == {"phone": e164, "requested_slot": "submit_confirmed"}


async def test_the_whole_message_is_read_when_the_entity_holds_only_part_of_the_number() -> None:
    events, _ = await validate(
        BEFORE_PHONE, "phone", {"phone": "45 67"}, intent="inform_phone", text="+46 70 123 45 67"
    )
    assert slot_events(events)["phone"] == "+46701234567"


async def test_a_swedish_number_written_the_swedish_way_is_read_in_a_swedish_conversation(
    swedish: FakeBackend,
) -> None:
    events, dispatcher = await validate(
        BEFORE_PHONE, "phone", {"phone": "070-123 45 67"}, intent="inform_phone", text="070-123 45 67"
    )
    assert slot_events(events) == {"phone": "+46701234567", "requested_slot": "submit_confirmed"}
    assert dispatcher.messages == []


async def test_the_same_number_in_a_danish_conversation_is_asked_about_not_guessed(
    danish: FakeBackend,
) -> None:
    events, dispatcher = await validate(
        BEFORE_PHONE, "phone", {"phone": "070-123 45 67"}, intent="inform_phone", text="070-123 45 67"
    )
    assert slot_events(events) == {"phone": None, "requested_slot": "phone"}
    assert responses(dispatcher) == ["utter_phone_ambiguous"]


async def test_without_the_backend_a_070_number_is_asked_about(backend: FakeBackend) -> None:
    backend.down = True
    events, dispatcher = await validate(
        BEFORE_PHONE, "phone", {"phone": "0701234567"}, intent="inform_phone", text="0701234567"
    )
    assert slot_events(events)["phone"] is None
    assert responses(dispatcher) == ["utter_phone_ambiguous"]


@pytest.mark.parametrize("said", ["12", "12 34", "5512345", "+1 202 555 0143"])
async def test_an_invalid_number_is_refused_with_the_helpful_message(said: str) -> None:
    events, dispatcher = await validate(
        BEFORE_PHONE, "phone", {"phone": said}, intent="inform_phone", text=said
    )
    assert slot_events(events) == {"phone": None, "requested_slot": "phone"}
    assert responses(dispatcher) == ["utter_invalid_phone"]


async def test_both_answers_to_the_confirmation_complete_the_form() -> None:
    for answer, intent in ((True, "affirm"), (False, "deny")):
        events, _ = await validate(
            BEFORE_SUBMIT, "submit_confirmed", {"submit_confirmed": answer}, intent=intent
        )
        assert slot_events(events) == {"submit_confirmed": answer, "requested_slot": None}


# ---------------------------------------------------------------- off-script answers


@pytest.mark.parametrize("requested", ["dwelling_confirmed", "household_confirmed"])
@pytest.mark.parametrize(
    ("intent", "text"),
    [("nlu_fallback", "flurp zonk"), ("thank", "tak"), ("greet", "hej"), ("help", "hvad?"), ("thank", "🙂")],
)
async def test_anything_but_yes_or_no_at_a_yes_no_step_gets_a_hint_and_the_same_question(
    requested: str, intent: str, text: str
) -> None:
    slots = {"dwelling_confirmed": True} if requested == "household_confirmed" else {}
    events, dispatcher = await validate(slots, requested, {requested: text}, intent=intent, text=text)
    assert slot_events(events) == {requested: None, "requested_slot": requested}
    assert responses(dispatcher) == ["utter_hint_yes_no"]


async def test_a_phone_number_at_the_dwelling_step_is_asked_for_later() -> None:
    events, dispatcher = await validate(
        {}, "dwelling_confirmed", {"dwelling_confirmed": "52 12 34"}, intent="inform_phone", text="52 12 34"
    )
    assert slot_events(events) == {"dwelling_confirmed": None, "requested_slot": "dwelling_confirmed"}
    assert responses(dispatcher) == ["utter_phone_later"]


async def test_another_task_in_the_middle_of_the_application_is_postponed() -> None:
    events, dispatcher = await validate(
        {}, "household_confirmed", {"household_confirmed": "status?"}, intent="check_status", text="status?"
    )
    assert slot_events(events)["household_confirmed"] is None
    assert responses(dispatcher) == ["utter_finish_first"]


@pytest.mark.parametrize("requested", ["dwelling_confirmed", "phone", "submit_confirmed"])
async def test_an_off_topic_question_gets_the_usual_answer_and_the_same_question(requested: str) -> None:
    text = "hvordan bliver vejret i morgen?"
    events, dispatcher = await validate(
        BEFORE_SUBMIT, requested, {requested: text}, intent="out_of_scope", text=text
    )
    assert slot_events(events)[requested] is None and slot_events(events)["requested_slot"] == requested
    assert responses(dispatcher) == ["utter_out_of_scope"]


async def test_a_phone_number_at_send_now_replaces_the_number_and_asks_again() -> None:
    events, dispatcher = await validate(
        BEFORE_SUBMIT,
        "submit_confirmed",
        {"submit_confirmed": "52 12 34"},
        intent="inform_phone",
        text="52 12 34",
    )
    assert slot_events(events) == {
        "submit_confirmed": None,
        "phone": "+299521234",
        "requested_slot": "submit_confirmed",
    }
    assert responses(dispatcher) == ["utter_phone_changed"]
    assert dispatcher.messages[0]["phone"] == "+299521234"


async def test_nonsense_at_send_now_gets_the_send_hint() -> None:
    events, dispatcher = await validate(
        BEFORE_SUBMIT, "submit_confirmed", {"submit_confirmed": "blorp"}, intent="nlu_fallback", text="blorp"
    )
    assert slot_events(events) == {"submit_confirmed": None, "requested_slot": "submit_confirmed"}
    assert responses(dispatcher) == ["utter_hint_submit"]


@pytest.mark.parametrize(
    ("value", "intent", "text"),
    [
        (REGISTER_PHONE_CONFIRMED, "affirm", "ja"),
        (REGISTER_PHONE_DECLINED, "deny", "nej"),
        ("hej", "greet", "hej"),
    ],
)
async def test_yes_no_or_words_when_a_number_was_asked_for_get_a_hint(
    value: str, intent: str, text: str
) -> None:
    events, dispatcher = await validate(BEFORE_PHONE, "phone", {"phone": value}, intent=intent, text=text)
    assert slot_events(events) == {"phone": None, "requested_slot": "phone"}
    assert responses(dispatcher) == ["utter_hint_phone"]


async def test_words_when_the_register_number_was_offered_get_the_yes_no_hint() -> None:
    events, dispatcher = await validate(
        WITH_REGISTER_PHONE, "phone", {"phone": "flurp"}, intent="nlu_fallback", text="flurp"
    )
    assert slot_events(events)["phone"] is None
    assert responses(dispatcher) == ["utter_hint_phone_known"]


@pytest.mark.parametrize(("intent", "text"), [("thank", "👍🙂"), ("deny", "nej"), ("greet", "hej hej")])
async def test_a_correction_that_says_nothing_gets_a_hint(intent: str, text: str) -> None:
    events, dispatcher = await validate(
        {"dwelling_confirmed": False},
        "dwelling_correction",
        {"dwelling_correction": text},
        intent=intent,
        text=text,
    )
    assert slot_events(events) == {"dwelling_correction": None, "requested_slot": "dwelling_correction"}
    assert responses(dispatcher) == ["utter_hint_correction"]


async def test_a_question_at_a_free_text_step_is_answered_once_and_taken_as_text_when_asked_again() -> None:
    question = "hvilke papirer skal jeg sende?"
    slots = {"dwelling_confirmed": False}
    first, dispatcher = await validate(
        slots, "dwelling_correction", {"dwelling_correction": question}, intent="ask_documents", text=question
    )
    assert slot_events(first)["dwelling_correction"] is None
    assert responses(dispatcher) == ["utter_documents"]
    again, dispatcher = await validate(
        slots,
        "dwelling_correction",
        {"dwelling_correction": question},
        intent="ask_documents",
        text=question,
        earlier_intents=("ask_documents",),
    )
    assert slot_events(again)["dwelling_correction"] == question
    assert responses(dispatcher) == ["utter_correction_noted"]


@pytest.mark.parametrize(
    ("intent", "text"),
    [
        ("thank", "Qujanaq, aqagu nassiutissavara."),
        ("deny", "nej, huslejen er forkert"),
        ("nlu_fallback", "🙂 ring mig"),
    ],
)
async def test_a_message_with_something_in_it_is_passed_on_to_the_caseworker(intent: str, text: str) -> None:
    dispatcher = CollectingDispatcher()
    tracker = user_turn(
        {},
        "caseworker_message",
        {"caseworker_message": text},
        intent=intent,
        text=text,
        form="caseworker_message_form",
    )
    events = await ValidateCaseworkerMessageForm().run(dispatcher, tracker, DOMAIN)
    assert slot_events(events)["caseworker_message"] == text
    assert dispatcher.messages == []


async def test_the_caseworker_message_answers_a_question_once_and_hints_on_an_empty_message() -> None:
    form = ValidateCaseworkerMessageForm()
    for intent, text, expected in (
        ("ask_processing_time", "hvor lang tid tager det?", "utter_processing_time"),
        ("thank", "🙂", "utter_hint_caseworker_message"),
    ):
        dispatcher = CollectingDispatcher()
        tracker = user_turn(
            {},
            "caseworker_message",
            {"caseworker_message": text},
            intent=intent,
            text=text,
            form="caseworker_message_form",
        )
        events = await form.run(dispatcher, tracker, DOMAIN)
        assert slot_events(events)["caseworker_message"] is None
        assert responses(dispatcher) == [expected]


# ---------------------------------------------------------------- the form's questions


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


# ---------------------------------------------------------------- the design: nothing is left to improvisation


def _domain_and_rules() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    rules: list[dict[str, Any]] = []
    for path in sorted((ROOT / "data" / "stories").glob("*.yml")):
        rules += yaml.safe_load(path.read_text()).get("rules") or []
    return domain, rules


def _caught_by_mapping(slot: dict[str, Any], form: str, requested: str, intent: str) -> bool:
    for mapping in slot.get("mappings") or []:
        conditions = mapping.get("conditions") or []
        if not any(
            c.get("active_loop") == form and c.get("requested_slot") in (None, requested) for c in conditions
        ):
            continue
        wanted = mapping.get("intent")
        wanted = [wanted] if isinstance(wanted, str) else wanted
        excluded = mapping.get("not_intent") or []
        excluded = [excluded] if isinstance(excluded, str) else excluded
        if mapping["type"] == "from_intent" and intent in (wanted or []):
            return True
        if mapping["type"] == "from_text" and intent not in excluded and (not wanted or intent in wanted):
            return True
    return False


def _form_rule_for(rules: list[dict[str, Any]], form: str, intent: str) -> bool:
    """A rule inside `form` that answers `intent` and returns to the form, or ends it on `cancel`."""
    for rule in rules:
        condition = rule.get("condition") or []
        steps = rule.get("steps") or []
        if {"active_loop": form} not in condition or not steps or steps[0].get("intent") != intent:
            continue
        back_to_form = steps[-2:] == [{"action": form}, {"active_loop": form}]
        stopped = intent == "cancel" and {"action": "action_deactivate_loop"} in steps
        if back_to_form or stopped:
            return True
    return False


def test_every_intent_at_every_step_of_every_form_is_taken_by_the_form_or_answered_by_a_rule() -> None:
    """The form never rejects an answer that no rule handles, so no policy has to guess in a form
    (that guess repeated the documents answer ten times in one turn)."""
    domain, rules = _domain_and_rules()
    intents = [*domain["intents"], "nlu_fallback"]
    unhandled = [
        (form, requested, intent)
        for form, spec in domain["forms"].items()
        for requested in spec["required_slots"]
        for intent in intents
        if not _caught_by_mapping(domain["slots"][requested], form, requested, intent)
        and not _form_rule_for(rules, form, intent)
    ]
    assert unhandled == []


def test_every_intent_outside_a_form_has_a_rule() -> None:
    """Also a bare yes or no, and a number, when nothing was asked (the main options)."""
    domain, rules = _domain_and_rules()
    answered = {
        (rule.get("steps") or [{}])[0].get("intent")
        for rule in rules
        if all(c.get("active_loop") is None for c in rule.get("condition") or [] if "active_loop" in c)
        and not any("slot_was_set" in c for c in rule.get("condition") or [])
    }
    assert [intent for intent in [*domain["intents"], "nlu_fallback"] if intent not in answered] == []


def test_the_free_text_steps_answer_the_same_questions_as_the_rules() -> None:
    _, rules = _domain_and_rules()
    for intent, response in FAQ_RESPONSES.items():
        assert any(
            rule["steps"][:2] == [{"intent": intent}, {"action": response}] and not rule.get("condition")
            for rule in rules
        ), intent
