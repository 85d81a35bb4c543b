"""Make a failing tracker store visible instead of silently losing conversations.

Rasa 3.6 wraps every tracker store in `FailSafeTrackerStore`, which on a database error logs, returns
no tracker (the conversation starts from scratch) and saves into memory. `install()` replaces the
agent's wrapper by one whose error callback raises, so the turn fails and the gateway answers 503;
`is_reachable()` is the health check's probe.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from rasa.core import tracker_store as rasa_tracker_store
from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_SECONDS = 2.0
DEFAULT_SQLITE_FILE = Path(__file__).resolve().parent.parent / "var" / "rasa-tracker.db"


class TrackerStoreUnavailable(RuntimeError):
    """The conversation store could not be read or written."""


class EnvSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, configured from environment variables that may be empty.

    bot/endpoints.yml fills every setting from the environment; for SQLite, host, port and user are
    empty strings, which Rasa's own `type: SQL` refuses (`port: ""` cannot be cast to an integer).
    """

    def __init__(
        self,
        domain: Domain | None = None,
        dialect: str | None = None,
        host: str | None = None,
        port: int | str | None = None,
        db: str | None = None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        dialect = (dialect or "").strip() or "sqlite"
        database = (db or "").strip()
        if dialect == "sqlite" and not database:
            DEFAULT_SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
            database = str(DEFAULT_SQLITE_FILE)
        super().__init__(
            domain=domain,
            dialect=dialect,
            host=_blank_to_none(host),
            port=_blank_to_none(port),
            db=database or "rasa",
            username=_blank_to_none(username),
            password=_blank_to_none(password),
            **kwargs,
        )


def _blank_to_none(value: Any) -> Any:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _fail_loudly(error: Exception) -> None:
    logger.error("tracker store unavailable: %s", type(error).__name__)
    raise TrackerStoreUnavailable("the tracker store failed") from error


def create_strict_tracker_store(store: TrackerStore | None, domain: Domain) -> TrackerStore:
    """Rasa's `Agent._create_tracker_store`, with an error callback that raises."""
    if store is not None:
        store.domain = domain
        primary: TrackerStore = store
    else:
        primary = InMemoryTrackerStore(domain)
    return FailSafeTrackerStore(primary, on_tracker_store_error=_fail_loudly)


def _engine_kwargs_hiding_parameters(url: Any) -> dict[str, Any]:
    """Rasa's engine arguments plus `hide_parameters`: a failing INSERT of an event (a citizen's
    message, a slot holding a phone number) never puts the values into the error or the SQL log."""
    return {**_rasa_engine_kwargs(url), "hide_parameters": True}


_rasa_engine_kwargs = rasa_tracker_store.create_engine_kwargs


def install() -> None:
    """Patch `Agent` and the SQL store's engine arguments (idempotent); runs when the gateway channel
    is imported, before the agent loads."""
    Agent._create_tracker_store = staticmethod(create_strict_tracker_store)  # type: ignore[method-assign]
    rasa_tracker_store.create_engine_kwargs = _engine_kwargs_hiding_parameters


def primary_store(store: Any) -> Any:
    """The store inside Rasa's wrappers (`FailSafeTrackerStore`, `AwaitableTrackerStore`)."""
    while hasattr(store, "_tracker_store"):
        store = store._tracker_store
    return store


async def is_reachable(store: Any) -> bool:
    """Whether the database behind the tracker store answers, within a short time."""
    inner = primary_store(store)
    if isinstance(inner, SQLTrackerStore):
        probe = _sql_probe(inner.engine)
    elif hasattr(inner, "red"):  # RedisTrackerStore
        probe = inner.red.ping
    else:
        return True
    try:
        await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, probe), PROBE_TIMEOUT_SECONDS)
    except Exception as error:
        logger.error("tracker store unreachable: %s", type(error).__name__)
        return False
    return True


def _sql_probe(engine: sa.engine.Engine) -> Any:
    def probe() -> None:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))

    return probe
