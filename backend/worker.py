"""Run the background work without the public routes: `python -m backend.worker`.

The outbox worker, the inbound queue of SMS and Telegram (the bot turns) and the scheduler run here,
so that the web instances (started with BACKGROUND_WORKERS=0) only answer requests: a Twilio or
Telegram webhook then never waits behind a bot turn in the same event loop. The process serves
`/healthz` and `/readyz` on WORKER_PORT (loopback) for supervisors. It never migrates: it waits
until `inissiaq db upgrade` has brought the database to head (and exits non-zero after two minutes,
for the supervisor to start it again). Any number may run; the database decides who handles what
(compare-and-set claims, one digest per slot).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os

from backend.app import create_app
from backend.migrations.runner import wait_for_head
from backend.settings_check import settings_from_env


def main() -> None:
    settings = dataclasses.replace(settings_from_env(), background_workers=True)
    asyncio.run(wait_for_head(settings.database_url))
    app = create_app(settings, name="inissiaq_worker", worker=True)
    app.run(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("WORKER_PORT", str(settings.port + 1))),
        single_process=True,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
