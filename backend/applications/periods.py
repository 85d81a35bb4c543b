"""The month an application is for: the current month in Greenland (America/Nuuk)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def current_period(now: datetime | None = None, timezone: str = "America/Nuuk") -> str:
    """ "YYYY-MM" of `now` (default: the present) as seen in `timezone`."""
    moment = now or datetime.now(UTC)
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m")
