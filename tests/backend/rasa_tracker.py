"""Conversations saved by Rasa's own SQL tracker store, for the backend's tests of the tracker events.

`save_conversations` runs this file with the Rasa environment (Python 3.10, Rasa 3.6): Rasa's
SQLTrackerStore creates its `events` table in the given PostgreSQL database and saves each
conversation's events (the citizen's text, a slot, the bot's answer) exactly as a Rasa turn would,
with the given timestamps. Importing this module needs only the standard library.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA_PY = ROOT / ".venv-rasa" / "bin" / "python"


def save_conversations(database_url: str, conversations: dict[str, dict[str, object]]) -> None:
    """{conversation id: {"at": epoch seconds, "text", "slot_value", "reply"}} into Rasa's store."""
    request = json.dumps({"database_url": database_url, "conversations": conversations})
    subprocess.run([str(RASA_PY), __file__], input=request, text=True, check=True, cwd=ROOT, timeout=300)


def _main() -> None:
    import asyncio
    from urllib.parse import urlsplit

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    request = json.loads(sys.stdin.read())
    url = urlsplit(request["database_url"])
    store = SQLTrackerStore(
        domain=Domain.empty(),
        dialect="postgresql",
        host=url.hostname,
        port=url.port or 5432,
        db=url.path.lstrip("/"),
        username=url.username,
        password=url.password,
    )

    async def save() -> None:
        for sender_id, turn in request["conversations"].items():
            at = float(turn["at"])
            tracker = DialogueStateTracker.from_events(
                sender_id,
                [
                    ActionExecuted("action_listen", timestamp=at),
                    UserUttered(turn["text"], intent={"name": "inform", "confidence": 1.0}, timestamp=at),
                    SlotSet("phone", turn["slot_value"], timestamp=at),
                    BotUttered(turn["reply"], timestamp=at),
                ],
            )
            await store.save(tracker)

    asyncio.run(save())


if __name__ == "__main__":
    _main()
