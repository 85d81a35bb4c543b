"""Run the backend web instance on 127.0.0.1:$PORT.

`python -m backend.serve` (used by `make run`, the end-to-end tests and the deploy/ units). Several
instances may run side by side on different ports against the same database. It never migrates:
`inissiaq db upgrade` is the deployment step before it, and until the database is at head `/readyz`
answers 503 so that no load balancer sends it traffic.
"""

from __future__ import annotations

import os

from backend.app import create_app
from backend.settings_check import settings_from_env


def main() -> None:
    settings = settings_from_env()  # a bad setting stops here, by name (exit status 2)
    app = create_app(settings)
    app.run(
        host=os.environ.get("HOST", "127.0.0.1"),
        port=settings.port,
        single_process=True,
        access_log=False,
        motd=False,
    )


if __name__ == "__main__":
    main()
