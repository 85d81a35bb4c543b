"""Generate a new migration from the models: `python -m backend.migrations.autogen "message"`.

It upgrades a scratch SQLite database to head and compares it with the models, so a new revision
holds exactly what changed. Review the generated file before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from backend.migrations.runner import alembic_config


def main() -> None:
    message = " ".join(sys.argv[1:]) or "schema change"
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.db'}"
        config = alembic_config(url)
        command.upgrade(config, "head")
        command.revision(config, message=message, autogenerate=True)


if __name__ == "__main__":
    main()
