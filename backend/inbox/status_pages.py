"""The status history (timeline) on the inbox's application page: when, what, and who."""

from __future__ import annotations

import html
from typing import Any

from backend.inbox.i18n import (
    DECISION_WORDS,
    STATUS_WORDS,
    _,
    actor_words,
    format_date,
    format_datetime,
    word,
)


def e(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _what(event: dict[str, Any]) -> str:
    status = word(STATUS_WORDS, event["status"])
    if not event.get("decision"):
        return status
    # NOTE: A decision in the status history: "decided: granted (1. december 2026)".
    text = _(
        "{status}: {decision} ({date})",
        status=status,
        decision=word(DECISION_WORDS, event["decision"]),
        date=format_date(event.get("decided_on")),
    )
    if event.get("case_reference"):
        # NOTE: After a decision in the status history: the case system's own reference for the case.
        text += " · " + _("case system reference {reference}", reference=event["case_reference"])
    return text


def timeline_section(timeline: list[dict[str, Any]], caseworkers: dict[int, str]) -> str:
    """The status changes as a table, oldest first."""
    head = "".join(f'<th scope="col">{e(label)}</th>' for label in (_("Time"), _("Status"), _("By")))
    rows = "".join(
        f"<tr><td>{e(format_datetime(event['at']))}</td><td>{e(_what(event))}</td>"
        f"<td>{e(actor_words(event['actor'], caseworkers))}</td></tr>"
        for event in timeline
    )
    return (
        f'<h2 id="status-history">{e(_("Status history"))}</h2>'
        f'<table class="table" aria-labelledby="status-history"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )
