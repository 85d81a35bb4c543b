"""Notice when a turn went wrong, although Rasa carries on.

Rasa 3.6 catches every exception of an action (the action server is down or timed out, the NLG
endpoint failed), logs it, and finishes the turn with whatever it has, often an empty reply. The
gateway wants to answer 503 instead, so that the backend asks the citizen to try again. `install()`
wraps the action-server call and the NLG call; a failure marks the current turn (a context variable,
so concurrent turns do not see each other's failures).

The failure also loses the body of the error answer before Rasa logs it: rasa-sdk answers a failed
action with the whole request (the tracker: every message of the citizen, the slots, the names and
addresses of the draft), and Rasa's log of the exception would print it with the traceback.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.utils.endpoints import ClientResponseError

_failed: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "inissiaq_turn_failures", default=None
)


def start_turn() -> list[str]:
    """Begin recording failures for the turn running in the current task; returns the record."""
    failures: list[str] = []
    _failed.set(failures)
    return failures


def _record(kind: str) -> None:
    failures = _failed.get()
    if failures is not None:
        failures.append(kind)


def _watch(kind: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    @functools.wraps(call)
    async def watched(*args: Any, **kwargs: Any) -> Any:
        try:
            return await call(*args, **kwargs)
        except ActionExecutionRejection:
            raise  # a form declining a message is part of the dialogue, not a failure
        except Exception as error:
            _record(kind)
            _drop_answer_body(error)
            raise

    watched._inissiaq_watched = True  # type: ignore[attr-defined]
    return watched


def _drop_answer_body(error: BaseException) -> None:
    """Keep the status of an error answer (raised itself or chained by Rasa), never its body."""
    for candidate in (error, error.__cause__):
        if isinstance(candidate, ClientResponseError):
            candidate.text = ""
            candidate.args = (f"{candidate.status}, {candidate.message}, body not logged",)


def install() -> None:
    """Idempotent."""
    if not getattr(RemoteAction.run, "_inissiaq_watched", False):
        RemoteAction.run = _watch("action server", RemoteAction.run)  # type: ignore[method-assign]
    if not getattr(CallbackNaturalLanguageGenerator.generate, "_inissiaq_watched", False):
        CallbackNaturalLanguageGenerator.generate = _watch(  # type: ignore[method-assign]
            "nlg", CallbackNaturalLanguageGenerator.generate
        )
