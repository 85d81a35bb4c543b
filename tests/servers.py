"""Waiting for a server that a test started as its own process.

`make test` runs the backend suite at a lower priority than the model training, so on two cores a
process it starts may get little CPU for minutes (with the cores busy, the contract test's set-up and
runs took three to four times as long as on an idle machine). The wait is therefore long (the same as
the shared stack's), and when it ends without an answer it says what it knows: the process's own
stack (Python processes started with `python_env()` print every thread's stack on SIGABRT, through
faulthandler), the end of its log and the machine's load.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

STARTUP_TIMEOUT = 240.0  # seconds; as long as the shared stack's wait for readiness (scripts/stack.py)


def python_env(base: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """An environment for a Python server process that dumps its stack when the wait gives up."""
    return {**(os.environ if base is None else base), "PYTHONFAULTHANDLER": "1", **extra}


def wait_until_serving(
    process: subprocess.Popen,  # type: ignore[type-arg]
    answers: Callable[[], bool],
    *,
    what: str,
    log: Path | None = None,
    not_yet: tuple[type[BaseException], ...] = (OSError,),
    timeout: float = STARTUP_TIMEOUT,
) -> None:
    """Poll `answers()` until it is true (an exception of `not_yet` counts as false: the server is not
    listening yet); fail at once when the process exits, and after `timeout` with what it was doing."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _check_running(process, what, log)
        with contextlib.suppress(*not_yet):
            if answers():
                return
        time.sleep(0.2)
    raise AssertionError(_not_serving(process, what, log, timeout))


async def wait_until_serving_async(
    process: subprocess.Popen,  # type: ignore[type-arg]
    answers: Callable[[], Awaitable[bool]],
    *,
    what: str,
    log: Path | None = None,
    not_yet: tuple[type[BaseException], ...] = (OSError,),
    timeout: float = STARTUP_TIMEOUT,
) -> None:
    """`wait_until_serving` for a probe that is a coroutine (an httpx.AsyncClient request)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _check_running(process, what, log)
        with contextlib.suppress(*not_yet):
            if await answers():
                return
        await asyncio.sleep(0.2)
    raise AssertionError(_not_serving(process, what, log, timeout))


def _check_running(process: subprocess.Popen, what: str, log: Path | None) -> None:  # type: ignore[type-arg]
    if process.poll() is not None:
        raise AssertionError(f"{what} exited with status {process.returncode}:\n{_tail(log)}")


def _not_serving(process: subprocess.Popen, what: str, log: Path | None, timeout: float) -> str:  # type: ignore[type-arg]
    load = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    if process.poll() is None:
        process.send_signal(signal.SIGABRT)  # faulthandler writes every thread's stack to the log
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return f"{what} did not answer within {timeout:.0f} s (load average {load}):\n{_tail(log)}"


def _tail(log: Path | None, characters: int = 6000) -> str:
    if log is None or not log.exists():
        return "(no log)"
    return log.read_text(errors="replace")[-characters:] or "(the log is empty)"
