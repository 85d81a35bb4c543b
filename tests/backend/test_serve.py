"""`python -m backend.serve` as a service manager runs it: SIGTERM ends it promptly, also while one
of its background tasks (here: waiting for the migration step) is still running."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from scripts.stack import free_port
from tests.servers import python_env, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]


def test_sigterm_stops_a_web_instance_that_waits_for_the_migration_within_seconds(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / f"unmigrated-{uuid.uuid4().hex[:6]}.db"  # never upgraded: a task polls it
    process = subprocess.Popen(
        [sys.executable, "-m", "backend.serve"],
        cwd=ROOT,
        env=python_env(
            PORT=str(port),
            DATABASE_URL=f"sqlite:///{database}",
            BACKGROUND_WORKERS="1",
            INISSIAQ_MODE="development",
        ),
        stdout=open(tmp_path / "serve.log", "w"),
        stderr=subprocess.STDOUT,
    )
    try:
        log = tmp_path / "serve.log"
        # Up: Sanic has said so (its signal handlers are in place from then on); not ready, as the
        # database is not migrated, so the task that waits for the migration is running.
        wait_until_serving(process, lambda: "Worker ready" in log.read_text(), what="the instance", log=log)
        idle = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # a keep-alive client stays
        idle.request("GET", "/healthz")
        assert idle.getresponse().read() and idle.sock is not None
        stopped_at = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert time.monotonic() - stopped_at < 15
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
