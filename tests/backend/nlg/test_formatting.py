from datetime import UTC, date, datetime

import pytest

from backend.channels.sms_text import is_gsm7
from backend.nlg.formatting import MISSING, format_argument

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "shown"),
    [("da", f"6.450,00{NBSP}kr."), ("kl", "kr.6.450,00"), ("sv", f"6{NBSP}450,00{NBSP}Dkr")],
)
def test_amounts_are_danish_kroner_in_the_locales_own_format(language: str, shown: str) -> None:
    assert format_argument("rent_amount", "6450.00", language) == shown


@pytest.mark.parametrize(
    ("language", "shown"),
    [("da", "1. marts 2019"), ("sv", "1 mars 2019"), ("kl", "01 marsip 2019")],
)
def test_dates_are_long_dates_of_the_locale(language: str, shown: str) -> None:
    assert format_argument("move_in_date", "2019-03-01", language) == shown
    assert format_argument("move_in_date", date(2019, 3, 1), language) == shown


@pytest.mark.parametrize(
    ("language", "shown"),
    [("da", "23. november 2026 12.05"), ("sv", "23 november 2026 12:05"), ("kl", "23 novembarip 2026 12.05")],
)
def test_datetimes_are_shown_in_greenland_time(language: str, shown: str) -> None:
    # 14:05 UTC is 12:05 in Nuuk (UTC-2 in November).
    assert format_argument("now_datetime", "2026-11-23T14:05:00Z", language) == shown
    assert format_argument("now_datetime", datetime(2026, 11, 23, 14, 5, tzinfo=UTC), language) == shown


def test_datetimes_without_an_offset_are_taken_as_utc() -> None:
    # Nuuk is UTC-1 in summer (UTC-2 standard time since 2023).
    assert format_argument("submitted_datetime", "2026-07-01T12:00:00", "da") == "1. juli 2026 11.00"


@pytest.mark.parametrize(
    ("language", "shown"), [("da", "november 2026"), ("sv", "november 2026"), ("kl", "novembari 2026")]
)
def test_months_are_month_name_and_year(language: str, shown: str) -> None:
    assert format_argument("period_month", "2026-11", language) == shown


@pytest.mark.parametrize(
    ("language", "shown"),
    [("da", "Aviaja, Hans og Ivalo"), ("sv", "Aviaja, Hans och Ivalo"), ("kl", "Aviaja, Hans aamma Ivalo")],
)
def test_lists_are_joined_for_the_locale(language: str, shown: str) -> None:
    assert format_argument("household_list", ["Aviaja", "Hans", "Ivalo"], language) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("submitted", "indsendt"),
        ("received", "modtaget af kommunen"),
        ("waiting_for_citizen", "venter på dokumenter fra dig"),
        ("taken_over", "taget under behandling"),
        ("decided", "afgjort"),
    ],
)
def test_statuses_are_localized_words(value: str, shown: str) -> None:
    assert format_argument("status", value, "da") == shown


def test_decisions_are_localized_words() -> None:
    assert format_argument("decision", "granted", "sv") == "beviljad"
    assert format_argument("decision", "refused", "kl") == "itigartinneqarpoq"


@pytest.mark.parametrize(
    ("language", "yes", "no"), [("da", "ja", "nej"), ("sv", "ja", "nej"), ("kl", "aap", "naamik")]
)
def test_booleans_are_localized_yes_and_no(language: str, yes: str, no: str) -> None:
    assert format_argument("dwelling_confirmed", True, language) == yes
    assert format_argument("household_confirmed", False, language) == no


@pytest.mark.parametrize("value", ["+299551234", "551234", "+299 55 12 34"])
def test_phone_numbers_are_shown_in_international_format(value: str) -> None:
    assert format_argument("register_phone", value, "da") == "+299 55 12 34"
    assert format_argument("phone", value, "kl") == "+299 55 12 34"


def test_danish_and_swedish_phone_numbers_keep_their_country_code() -> None:
    assert format_argument("phone", "+4520304050", "da") == "+45 20 30 40 50"
    assert format_argument("phone", "+46701234567", "sv") == "+46 70 123 45 67"


def test_numbers_are_formatted_for_the_locale() -> None:
    assert format_argument("rooms", 3, "da") == "3"
    assert format_argument("count", 1200, "da") == "1.200"


def test_texts_are_shown_as_they_are() -> None:
    assert format_argument("landlord", "INI A/S", "kl") == "INI A/S"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("rent_amount", None),
        ("rent_amount", "six thousand"),
        ("move_in_date", "March"),
        ("now_datetime", "yesterday"),
        ("period_month", "11/2026"),
        ("status", "lost"),
        ("decision", "maybe"),
        ("phone", "12"),
        ("household_list", []),
        ("tenant_name", ""),
    ],
)
def test_missing_or_unreadable_values_show_a_neutral_placeholder_and_are_logged_by_name_only(
    name: str, value: object, caplog: pytest.LogCaptureFixture
) -> None:
    assert format_argument(name, value, "da") == MISSING
    logged = " ".join(caplog.messages)
    assert name in logged
    if value:
        assert str(value) not in logged


TIMELINE = [
    {"status": "submitted", "at": "2026-12-05T09:00:00+00:00"},
    {"status": "waiting_for_citizen", "at": "2026-12-07T13:30:00Z"},
]


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        (
            "kl",
            "- 05 decembarip 2026 07.00: nassiunneqarsimavoq\n"
            "- 07 decembarip 2026 11.30: uppernarsaatinik nassiussinissannik utaqqivoq",
        ),
        ("da", "- 5. december 2026 07.00: indsendt\n- 7. december 2026 11.30: venter på dokumenter fra dig"),
        ("sv", "- 5 december 2026 07:00: skickad\n- 7 december 2026 11:30: väntar på handlingar från dig"),
    ],
)
def test_a_timeline_is_one_line_per_step_in_greenland_time(language: str, shown: str) -> None:
    assert format_argument("timeline", TIMELINE, language) == shown
    assert is_gsm7(shown)  # an SMS with the timeline is not forced into UCS-2 by the list marks


@pytest.mark.parametrize(
    "value",
    [[], "submitted", [{"status": "lost", "at": "2026-12-05T09:00:00Z"}], [{"status": "submitted"}], ["x"]],
)
def test_an_unreadable_timeline_is_missing(value: object) -> None:
    assert format_argument("timeline", value, "da") == MISSING
