"""Short timeouts for the action server and the NLG endpoint.

Rasa 3.6 has no setting for them: both requests pass `rasa.core.constants.DEFAULT_REQUEST_TIMEOUT`
(300 s), imported by name into `rasa.core.actions.action` and `rasa.core.nlg.callback`, so a hung
action server would keep the citizen waiting five minutes. `install()` rebinds those names; the
actions' own backend calls time out after BACKEND_TIMEOUT_SECONDS (default 4), so the defaults here
leave them room to answer "please try again" themselves.
"""

from __future__ import annotations

import os

import rasa.core.actions.action
import rasa.core.nlg.callback

ACTION_TIMEOUT_ENV = "RASA_ACTION_TIMEOUT_SECONDS"
NLG_TIMEOUT_ENV = "RASA_NLG_TIMEOUT_SECONDS"
DEFAULT_ACTION_TIMEOUT_SECONDS = 8.0
DEFAULT_NLG_TIMEOUT_SECONDS = 5.0


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "") or default)
    except ValueError:
        return default
    return value if value > 0 else default


def install() -> None:
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = _seconds(  # type: ignore[attr-defined]
        ACTION_TIMEOUT_ENV, DEFAULT_ACTION_TIMEOUT_SECONDS
    )
    rasa.core.nlg.callback.DEFAULT_REQUEST_TIMEOUT = _seconds(  # type: ignore[attr-defined]
        NLG_TIMEOUT_ENV, DEFAULT_NLG_TIMEOUT_SECONDS
    )
