"""`make run` started as a service manager starts it: `setsid make run &` from a non-interactive shell
(so SIGINT arrives ignored), on free ports and its own var directory.

A stop signal must leave no process of the run and free every port within 20 seconds, and a service
that dies must stop the others and make `make run` exit non-zero. Every process of a run is found by
a marker in its environment (every service inherits it), so an orphan re-parented to init is found
as well as a child.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.stack import ROOT, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.own_stack]

MARKER = "INISSIAQ_SUPERVISION_RUN"
STOP_SECONDS = 20.0  # the contract: everything gone and every port free within this
START_SECONDS = 300.0  # a loaded machine may need minutes


@dataclass
class Run:
    """One `make run` in the background: the shell that started it, make's pid and the ports."""

    shell: subprocess.Popen[bytes]
    make_pid: int
    marker: str
    ports: dict[str, int]
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def processes(self) -> dict[int, str]:
        """Every live process of this run (pid → command line), zombies excluded."""
        found = {}
        needle = f"{MARKER}={self.marker}".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                if needle not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:  # gone meanwhile, or not ours
                continue
        return found


def until(check, *, timeout: float, what: str, run: Run):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{run.text()[-3000:]}")
        time.sleep(0.2)


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free(port: int) -> bool:
    """The next `make run` could listen on it (as the servers do, with SO_REUSEADDR)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen()
        except OSError:
            return False
        return True


def start_run(var_dir: Path) -> Run:
    """`setsid make run &` from a non-interactive shell, on free ports, with `var_dir` as its var/."""
    marker = uuid.uuid4().hex
    ports = {
        "PORT": free_port(),
        "RASA_PORT": free_port(),
        "ACTIONS_PORT": free_port(),
        "WORKER_PORT": free_port(),
    }
    output, pid_file = var_dir / "make.out", var_dir / "make.pid"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("EID", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    env.update(
        {key: str(port) for key, port in ports.items()},
        INISSIAQ_VAR_DIR=str(var_dir),
        DATABASE_URL=f"sqlite:///{var_dir / 'inissiaq.db'}",
        OUT=str(output),
        PID_FILE=str(pid_file),
    )
    env.pop("REDIS_URL", None)  # the single development instance: Rasa's lock store in memory
    shell = subprocess.Popen(
        ["bash", "-c", f'{MARKER}={marker} setsid make run >"$OUT" 2>&1 & echo $! >"$PID_FILE"; wait $!'],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    run = Run(shell, 0, marker, ports, output)
    run.make_pid = int(
        until(
            lambda: pid_file.exists() and pid_file.read_text().strip(), timeout=10, what="make's pid", run=run
        )
    )
    return run


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Three runs side by side, each used by one test, so that their start-ups overlap. The next
    starts once the previous one's make has done its prerequisites (the compiled catalogs), so no two
    write the same files."""
    started: dict[str, Run] = {}
    try:
        for name in ("sigterm", "dies", "sigint"):
            run = started[name] = start_run(tmp_path_factory.mktemp(name))
            until(
                lambda run=run: any("scripts/stack.py" in command for command in run.processes().values()),
                timeout=120,
                what="the launcher to start",
                run=run,
            )
        yield started
    finally:  # a failed test still leaves nothing behind
        for run in started.values():
            for pid in run.processes():
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            run.shell.wait(timeout=30)


def assert_all_gone(run: Run) -> None:
    until(lambda: not run.processes(), timeout=STOP_SECONDS, what="every process of the run to end", run=run)
    busy = [name for name, port in run.ports.items() if not free(port)]
    assert busy == [], f"ports still in use: {busy}"


def test_a_service_that_dies_stops_the_others_and_make_run_fails(runs: dict[str, Run]) -> None:
    run = runs["dies"]
    backend = until(
        lambda: next((pid for pid, command in run.processes().items() if "backend.serve" in command), None),
        timeout=START_SECONDS,
        what="the backend web instance to start",
        run=run,
    )
    os.kill(backend, signal.SIGKILL)
    assert_all_gone(run)
    assert run.shell.wait(timeout=10) != 0
    assert "backend (exit status -9) stopped" in run.text()


def test_sigint_to_the_group_of_a_background_make_run_stops_everything(runs: dict[str, Run]) -> None:
    run = runs["sigint"]
    until(
        lambda: listening(run.ports["ACTIONS_PORT"]), timeout=START_SECONDS, what="the action server", run=run
    )
    # Started with `&` by a non-interactive shell, make and the launcher inherit SIGINT ignored;
    # make keeps ignoring it, the launcher must not.
    os.killpg(run.make_pid, signal.SIGINT)
    assert_all_gone(run)
    assert "stopping (SIGINT)" in run.text()


def test_sigterm_to_make_stops_every_service_and_frees_every_port(runs: dict[str, Run]) -> None:
    """Stopped once the backend, the worker and the action server listen and Rasa is loading its model
    (it binds its port only when loaded, after a minute of CPU, more than this test's time budget)."""
    run = runs["sigterm"]
    listeners = ("PORT", "WORKER_PORT", "ACTIONS_PORT")
    until(
        lambda: all(listening(run.ports[name]) for name in listeners),
        timeout=START_SECONDS,
        what="the backend, the worker and the action server to listen",
        run=run,
    )
    commands = " ".join(run.processes().values())
    for service in ("scripts/stack.py", "backend.serve", "backend.worker", "rasa run", "bot.action_server"):
        assert service in commands

    os.kill(run.make_pid, signal.SIGTERM)  # what systemd or `kill -TERM` does
    assert_all_gone(run)  # within STOP_SECONDS, Rasa's port included
    run.shell.wait(timeout=10)
    assert "stopping (SIGTERM)" in run.text()
