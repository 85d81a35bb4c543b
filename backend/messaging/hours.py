"""Opening hours of the live handoff, per weekday, in Greenland time (America/Nuuk).

Format of OPENING_HOURS: "mon=08:00-15:00;tue=08:00-15:00;...;fri=08:00-14:00"; a day not listed is
closed, a listed Saturday or Sunday is open. Greenland's holidays on which the offices are closed
(the national day and Christmas Eve included) are closed whatever the list says.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from backend.scheduler import is_office_holiday

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_opening_hours(spec: str) -> dict[int, tuple[time, time]]:
    hours: dict[int, tuple[time, time]] = {}
    for part in spec.split(";"):
        part = part.strip()
        if not part:
            continue
        day, _, span = part.partition("=")
        start, _, end = span.partition("-")
        hours[DAYS.index(day.strip().lower()[:3])] = (
            time.fromisoformat(start.strip()),
            time.fromisoformat(end.strip()),
        )
    return hours


def is_open(spec: str, timezone: str = "America/Nuuk", now: datetime | None = None) -> bool:
    local = (now or datetime.now(UTC)).astimezone(ZoneInfo(timezone))
    if is_office_holiday(local.date()):
        return False
    span = parse_opening_hours(spec).get(local.weekday())
    return span is not None and span[0] <= local.time().replace(tzinfo=None) < span[1]
