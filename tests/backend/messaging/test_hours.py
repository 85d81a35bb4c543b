from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from backend.messaging.hours import is_open, parse_opening_hours

HOURS = "mon=08:00-15:00;tue=08:00-15:00;wed=08:00-15:00;thu=08:00-15:00;fri=08:00-14:00"


def _nuuk(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo("America/Nuuk")).astimezone(UTC)


def test_opening_hours_are_per_weekday_in_greenland_time() -> None:
    assert is_open(HOURS, now=_nuuk(2026, 6, 22, 8, 0))  # Monday
    assert not is_open(HOURS, now=_nuuk(2026, 6, 22, 15, 0))
    assert is_open(HOURS, now=_nuuk(2026, 6, 26, 13, 59))  # Friday
    assert not is_open(HOURS, now=_nuuk(2026, 6, 26, 14, 0))
    assert not is_open(HOURS, now=_nuuk(2026, 6, 27, 10, 0))  # Saturday


def test_the_offices_are_closed_on_the_national_day() -> None:
    assert not is_open(HOURS, now=_nuuk(2027, 6, 21, 10, 0))  # a Monday


def test_an_empty_specification_is_always_closed() -> None:
    assert parse_opening_hours("") == {}
    assert not is_open("", now=_nuuk(2026, 6, 22, 10, 0))


def test_a_listed_weekend_day_is_open_but_a_holiday_never_is() -> None:
    weekend = HOURS + ";sat=10:00-12:00"
    assert is_open(weekend, now=_nuuk(2026, 6, 27, 10, 0))  # Saturday, listed
    assert not is_open(weekend, now=_nuuk(2026, 6, 28, 10, 0))  # Sunday, not listed
    every_day = ";".join(f"{day}=00:00-23:59" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
    assert not is_open(every_day, now=_nuuk(2026, 12, 24, 10, 0))  # Christmas Eve
    assert not is_open(every_day, now=_nuuk(2026, 6, 21, 10, 0))  # the national day, a Sunday in 2026
