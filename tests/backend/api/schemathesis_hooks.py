"""Schemathesis hooks of the contract test (tests/backend/api/test_contract.py), loaded by the
schemathesis process through `SCHEMATHESIS_HOOKS`: a check for the plain caseworker's run."""

from __future__ import annotations

from typing import Any

import schemathesis

MAX_ID = 2**31 - 1  # backend.inbox.openapi.MAX_ID; this file is loaded without the project on the path


def _no_row_can_have(value: Any) -> bool:
    """A path value the backend answers 404 for before the handler: not an integer id in 1..2**31-1
    (the router's wrong type, or an id beyond PostgreSQL's integer)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return not (isinstance(value, str) and value.isdigit() and 1 <= int(value) <= MAX_ID)
    return not 1 <= value <= MAX_ID


@schemathesis.check
def refused_to_a_plain_caseworker(ctx: Any, response: Any, case: Any) -> None:
    """An administrators' operation answers a caseworker who is not an administrator 403
    `administrators_only` (not another refusal, such as a missing CSRF token), whatever the request;
    only a path id no row can have is 404 (before any handler runs)."""
    if response.status_code == 403:
        try:
            error = response.json().get("error")
        except (ValueError, AttributeError):  # not a JSON object
            error = None
        if error == "administrators_only":
            return
        raise AssertionError(
            f"{case.method} {case.formatted_path} refused a plain caseworker with {error!r}, "
            "not administrators_only"
        )
    integers = {
        p.name
        for p in case.operation.path_parameters
        if p.definition.get("schema", {}).get("type") == "integer"
    }
    ids = [value for name, value in (case.path_parameters or {}).items() if name in integers]
    if response.status_code == 404 and any(_no_row_can_have(value) for value in ids):
        return
    raise AssertionError(
        f"{case.method} {case.formatted_path} answered a plain caseworker {response.status_code}, not 403"
    )
