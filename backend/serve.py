"""Run the backend: migrate the database to head, then serve on 127.0.0.1:$PORT.

`python -m backend.serve` (used by `make run` and the end-to-end tests). Several instances may run
side by side on different ports against the same database.
"""

from __future__ import annotations

import os

from backend.app import create_app
from backend.migrations.runner import upgrade_to_head
from backend.settings_check import settings_from_env


def main() -> None:
    settings = settings_from_env()  # a bad setting stops here, by name (exit status 2)
    upgrade_to_head(settings.database_url)
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
