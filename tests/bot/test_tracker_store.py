from __future__ import annotations

from pathlib import Path

import pytest
from rasa.core.agent import Agent
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import tracker_store
from bot.tracker_store import EnvSQLTrackerStore, TrackerStoreUnavailable

tracker_store.install()  # as the gateway channel does when Rasa loads it


async def test_the_agent_store_raises_on_a_broken_database_instead_of_returning_an_empty_tracker(
    tmp_path: Path,
) -> None:
    agent = Agent(tracker_store=EnvSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "no" / "t.db")))
    with pytest.raises(TrackerStoreUnavailable):
        await agent.tracker_store.retrieve("c")


async def test_saving_to_a_broken_database_raises_instead_of_keeping_the_conversation_in_memory(
    tmp_path: Path,
) -> None:
    agent = Agent(tracker_store=EnvSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "no" / "t.db")))
    with pytest.raises(TrackerStoreUnavailable):
        await agent.tracker_store.save(DialogueStateTracker("c", slots=[]))


async def test_empty_settings_from_the_environment_mean_a_sqlite_file(tmp_path: Path) -> None:
    store = EnvSQLTrackerStore(
        dialect="", host="", port="", db=str(tmp_path / "t.db"), username="", password=""
    )
    agent = Agent(tracker_store=store)
    await agent.tracker_store.save(DialogueStateTracker.from_events("c-1", [UserUttered("hej")]))
    assert (tmp_path / "t.db").exists()
    stored = await agent.tracker_store.retrieve("c-1")
    assert stored is not None and stored.latest_message.text == "hej"


def test_the_sql_store_never_puts_parameter_values_into_its_errors(tmp_path: Path) -> None:
    import sqlalchemy as sa

    import bot.channels.gateway  # noqa: F401  (installs the patches, as Rasa does when it reads credentials.yml)

    store = EnvSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"))
    with store.engine.connect() as connection, pytest.raises(sa.exc.OperationalError) as error:
        connection.execute(sa.text("INSERT INTO missing (text) VALUES (:text)"), {"text": "cpr 0708861234"})
    assert "0708861234" not in str(error.value)
    assert "hide_parameters" in str(error.value)
