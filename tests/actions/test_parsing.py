from __future__ import annotations

import pytest

from actions.parsing import (
    PhoneReading,
    draft_arguments,
    extract_phone,
    language_code,
    may_be_swedish_national,
    normalise_phone,
    read_phone,
    trailing_fallbacks,
)


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("551234", "+299551234"),
        ("55 12 34", "+299551234"),
        ("+299 55 12 34", "+299551234"),
        ("00299551234", "+299551234"),
        ("+45 20 12 34 56", "+4520123456"),
        ("+46 70 123 45 67", "+46701234567"),
    ],
)
def test_greenlandic_danish_and_swedish_numbers_are_normalised(text: str, e164: str) -> None:
    assert normalise_phone(text) == e164


@pytest.mark.parametrize("text", ["12", "123", "hello", "+1 202 555 0143", "+44 20 7946 0958", ""])
def test_short_foreign_and_non_numbers_are_refused(text: str) -> None:
    assert normalise_phone(text) is None


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("mit nummer er 52 12 34", "+299521234"),
        ("Nummerera 551234", "+299551234"),
        ("ring på +45 20 12 34 56 tak", "+4520123456"),
        ("12", None),
        ("jeg har ikke noget", None),
        (None, None),
    ],
)
def test_a_number_is_found_inside_a_sentence(text: str | None, e164: str | None) -> None:
    assert extract_phone(text) == e164


@pytest.mark.parametrize(
    ("text", "language", "e164"),
    [
        # Greenlandic: six digits, with or without spaces, in any conversation
        ("521234", "kl", "+299521234"),
        ("52 12 34", "da", "+299521234"),
        ("52-12-34", "sv", "+299521234"),
        # Danish: eight digits, without the country code
        ("20 12 34 56", "da", "+4520123456"),
        ("20123456", "kl", "+4520123456"),
        ("mit nummer er 31 22 11 00", "da", "+4531221100"),
        # Swedish national format with the trunk 0, in a Swedish conversation
        ("070-123 45 67", "sv", "+46701234567"),
        ("0701234567", "sv", "+46701234567"),
        ("mitt nummer är 073-555 12 34", "sv", "+46735551234"),
        ("08-123 456 78", "sv", "+46812345678"),
        # a country code with + or 00, in any conversation
        ("+46 70 123 45 67", "kl", "+46701234567"),
        ("0046 70-123 45 67", "da", "+46701234567"),
        ("00299 55 12 34", "sv", "+299551234"),
        ("+45 20 12 34 56", None, "+4520123456"),
        # the country code without + (written as it is dialled from abroad, minus the 00)
        ("299 55 12 34", "da", "+299551234"),
        ("46 70 123 45 67", "da", "+46701234567"),
    ],
)
def test_numbers_are_read_the_way_people_write_them(text: str, language: str | None, e164: str) -> None:
    assert read_phone(text, language) == PhoneReading(e164)


@pytest.mark.parametrize(
    ("text", "language"),
    [("070-123 45 67", "da"), ("0701234567", "kl"), ("mit nummer er 070 123 45 67", None)],
)
def test_a_swedish_national_number_outside_a_swedish_conversation_is_ambiguous(
    text: str, language: str | None
) -> None:
    reading = read_phone(text, language)
    assert reading.number is None and reading.ambiguous and reading.found
    assert may_be_swedish_national(text)


@pytest.mark.parametrize(
    "text",
    ["12", "12 34", "5512345", "+299 12 34", "+1 202 555 0143", "+44 20 7946 0958", "ja", "3900 Nuuk", ""],
)
def test_what_is_no_accepted_number_is_not_read_as_one(text: str) -> None:
    assert read_phone(text, "sv") == PhoneReading()


def test_only_numbers_with_a_trunk_zero_depend_on_the_language() -> None:
    assert not may_be_swedish_national("52 12 34")
    assert not may_be_swedish_national("0046 70 123 45 67")
    assert not may_be_swedish_national("hej")


def user(intent: str) -> dict:
    return {"event": "user", "parse_data": {"intent": {"name": intent}}}


def bot_action(name: str) -> dict:
    return {"event": "action", "name": name}


def test_misunderstood_messages_are_counted_only_at_the_end_of_the_conversation() -> None:
    events = [
        user("nlu_fallback"),
        bot_action("action_handle_fallback"),
        user("greet"),
        bot_action("utter_greet"),
        user("nlu_fallback"),
        bot_action("action_handle_fallback"),
        user("nlu_fallback"),
    ]
    assert trailing_fallbacks(events) == 2
    assert trailing_fallbacks(events[:-1]) == 1
    assert trailing_fallbacks(events[:4]) == 0


def test_a_new_session_starts_the_count_again() -> None:
    events = [user("nlu_fallback"), {"event": "session_started"}, user("nlu_fallback")]
    assert trailing_fallbacks(events) == 1


def test_the_draft_display_is_split_into_the_four_draft_responses() -> None:
    display = {
        "now_datetime": "2026-11-23T12:00:00+00:00",
        "period_month": "2026-11",
        "tenant_name": "Aviaja Lyberth",
        "tenant_cpr_masked": "070886-xxxx",
        "tenant_address": "Aqqusinersuaq 12",
        "dwelling_address": "Aqqusinersuaq 12",
        "rooms": 3,
        "rent_amount": "6450.00",
        "landlord": "INI A/S",
        "move_in_date": "2019-03-01",
        "tenant_number": "INI-104233",
        "household_list": ["Aviaja Lyberth", "Hans Lyberth"],
    }
    arguments = draft_arguments(display)
    assert list(arguments) == [
        "utter_draft_intro",
        "utter_draft_tenant",
        "utter_draft_dwelling",
        "utter_draft_household",
    ]
    assert arguments["utter_draft_tenant"] == {
        "tenant_name": "Aviaja Lyberth",
        "tenant_cpr_masked": "070886-xxxx",
        "tenant_address": "Aqqusinersuaq 12",
    }
    assert arguments["utter_draft_household"] == {"household_list": ["Aviaja Lyberth", "Hans Lyberth"]}
    assert sum(len(a) for a in arguments.values()) == len(display)


@pytest.mark.parametrize(
    ("value", "code"),
    [("kl", "kl"), ("DA", "da"), ("svenska", "sv"), ("dansk", "da"), ("fr", None), (None, None)],
)
def test_the_language_entity_becomes_a_language_code(value: str | None, code: str | None) -> None:
    assert language_code(value) == code
