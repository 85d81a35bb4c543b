from datetime import UTC, datetime

from backend.applications.periods import current_period


def test_the_period_follows_the_calendar_in_nuuk_not_utc() -> None:
    assert current_period(datetime(2027, 1, 1, 1, 0, tzinfo=UTC)) == "2026-12"
    assert current_period(datetime(2027, 1, 1, 3, 0, tzinfo=UTC)) == "2027-01"
