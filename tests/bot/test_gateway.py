from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import SQLTrackerStore

from bot.channels.gateway import GatewayInput
from bot.tracker_store import EnvSQLTrackerStore
from tests.bot.conftest import serve

SECRET = "gateway-test-secret"


async def echo(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": SECRET}, {"Authorization": f"Basic {SECRET}"}],
)
async def test_a_message_without_the_right_bearer_secret_is_refused_with_401(headers: dict[str, str]) -> None:
    received: list[UserMessage] = []

    async def record(message: UserMessage) -> None:
        received.append(message)

    async with serve(GatewayInput(secret=SECRET), record) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            reply = await client.post(
                "/webhooks/gateway/webhook", json={"sender": "c1", "message": "hej"}, headers=headers
            )
    assert reply.status_code == 401
    assert received == []


async def test_with_the_secret_the_message_reaches_rasa_with_the_conversation_id_as_sender() -> None:
    async with serve(GatewayInput(secret=SECRET), echo) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            reply = await client.post(
                "/webhooks/gateway/webhook",
                json={"sender": "conversation-7", "message": "hej", "metadata": {"language": "da"}},
                headers={"Authorization": f"Bearer {SECRET}"},
            )
    assert reply.status_code == 200
    assert reply.json() == [{"recipient_id": "conversation-7", "text": "echo: hej"}]


async def test_an_empty_secret_refuses_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INISSIAQ_INTERNAL_SECRET", raising=False)
    async with serve(GatewayInput(secret=""), echo) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            reply = await client.post(
                "/webhooks/gateway/webhook",
                json={"sender": "c", "message": "hej"},
                headers={"Authorization": "Bearer anything"},
            )
    assert reply.status_code == 401


def test_the_secret_comes_from_the_credentials_file_or_else_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INISSIAQ_INTERNAL_SECRET", "from-env")
    assert GatewayInput.from_credentials({"secret": "from-file"}).secret == "from-file"
    assert GatewayInput.from_credentials(None).secret == "from-env"


async def test_a_turn_that_raises_answers_503_so_the_backend_can_ask_to_try_again() -> None:
    async def broken(message: UserMessage) -> None:
        raise RuntimeError("boom")

    async with serve(GatewayInput(secret=SECRET), broken) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            reply = await client.post(
                "/webhooks/gateway/webhook",
                json={"sender": "c", "message": "hej"},
                headers={"Authorization": f"Bearer {SECRET}"},
            )
    assert reply.status_code == 503


def broken_sqlite_store(tmp_path: Path) -> SQLTrackerStore:
    """A tracker store whose database file cannot be opened (its directory does not exist)."""
    return EnvSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "missing-dir" / "tracker.db"))


async def test_a_tracker_store_failure_fails_the_turn_instead_of_falling_back_to_memory(
    tmp_path: Path,
) -> None:
    agent = Agent(tracker_store=broken_sqlite_store(tmp_path))

    async def like_rasa(message: UserMessage) -> None:
        # Rasa's processor starts every turn by fetching the tracker from the agent's store.
        await agent.tracker_store.get_or_create_tracker(message.sender_id)

    async with serve(GatewayInput(secret=SECRET), like_rasa, agent) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            reply = await client.post(
                "/webhooks/gateway/webhook",
                json={"sender": "c", "message": "hej"},
                headers={"Authorization": f"Bearer {SECRET}"},
            )
            health = await client.get("/webhooks/gateway/health")
    assert reply.status_code == 503
    assert health.status_code == 503


async def test_health_is_200_with_a_working_tracker_store_and_needs_no_secret(tmp_path: Path) -> None:
    agent = Agent(tracker_store=EnvSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db")))
    async with serve(GatewayInput(secret=SECRET), echo, agent) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            health = await client.get("/webhooks/gateway/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "tracker_store": "ok", "lock_store": "ok"}


async def test_health_is_503_while_postgresql_is_unreachable() -> None:
    store = EnvSQLTrackerStore(
        dialect="postgresql", host="127.0.0.1", port="1", db="nowhere", username="rasa"
    )
    agent = Agent(tracker_store=store)
    async with serve(GatewayInput(secret=SECRET), echo, agent) as base:
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            health = await client.get("/webhooks/gateway/health")
    assert health.status_code == 503


async def test_a_turn_in_which_rasa_swallowed_an_action_server_failure_answers_503() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from tests.bot.conftest import free_port

    async def like_rasa(message: UserMessage) -> None:
        action = RemoteAction(
            "action_check_status", EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook")
        )
        try:  # Rasa's processor logs the failure and carries on with an empty reply
            await action.run(
                message.output_channel, None, DialogueStateTracker("c", slots=[]), Domain.empty()
            )  # type: ignore[arg-type]
        except Exception:  # noqa: S110 - imitating Rasa
            pass

    async with serve(GatewayInput(secret=SECRET), like_rasa) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            reply = await client.post(
                "/webhooks/gateway/webhook",
                json={"sender": "c", "message": "hej"},
                headers={"Authorization": f"Bearer {SECRET}"},
            )
    assert reply.status_code == 503


def rasa_like_agent(tmp_path: Path) -> tuple[Agent, list[str]]:
    """An agent with a real tracker store and lock store, and a turn handler that records its turns the
    way Rasa's processor does: under the conversation's lock, the user message (with the message's id)
    and the bot's answer go into the tracker."""
    from rasa.core.lock_store import InMemoryLockStore
    from rasa.shared.core.events import BotUttered, UserUttered

    agent = Agent(
        tracker_store=EnvSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "tracker.db")),
        lock_store=InMemoryLockStore(),
    )
    handled: list[str] = []

    async def like_rasa(message: UserMessage) -> None:
        async with agent.lock_store.lock(message.sender_id):
            handled.append(message.text)
            tracker = await agent.tracker_store.get_or_create_tracker(message.sender_id)
            tracker.update(UserUttered(message.text, message_id=message.message_id))
            answer = f"answer {len(handled)} to {message.text}"
            buttons = [{"title": "Ja", "payload": "/affirm"}]
            await message.output_channel.send_text_with_buttons(message.sender_id, answer, buttons)
            tracker.update(BotUttered(answer, {"buttons": buttons}))
            await agent.tracker_store.save(tracker)

    agent.handle_message = like_rasa  # type: ignore[method-assign]
    return agent, handled


async def test_a_message_sent_again_with_its_id_gets_the_first_answer_and_is_not_taken_twice(
    tmp_path: Path,
) -> None:
    agent, handled = rasa_like_agent(tmp_path)
    async with serve(GatewayInput(secret=SECRET), agent.handle_message, agent) as base:
        async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {SECRET}"}) as client:

            async def say(text: str, message_id: str | None, *, resent: bool = False) -> httpx.Response:
                body = {"sender": "c9", "message": text, "message_id": message_id, "resent": resent}
                return await client.post("/webhooks/gateway/webhook", json=body)

            first = await say("ja", "m-1")
            again = await say("ja", "m-1", resent=True)
            never_taken = await say("nej", "m-2", resent=True)
            without_id = await say("ja", None)
    assert first.status_code == again.status_code == never_taken.status_code == without_id.status_code == 200
    expected = [
        {"recipient_id": "c9", "text": "answer 1 to ja", "buttons": [{"title": "Ja", "payload": "/affirm"}]}
    ]
    assert first.json() == expected
    assert again.json() == expected
    assert never_taken.json()[0]["text"] == "answer 2 to nej"
    assert without_id.json()[0]["text"] == "answer 3 to ja"
    assert handled == ["ja", "nej", "ja"]


@pytest.mark.parametrize("message_id", ["", 7, "x" * 65, ["m"]])
async def test_a_malformed_message_id_is_refused_with_400(tmp_path: Path, message_id: object) -> None:
    agent, handled = rasa_like_agent(tmp_path)
    async with serve(GatewayInput(secret=SECRET), agent.handle_message, agent) as base:
        async with httpx.AsyncClient(base_url=base) as client:
            reply = await client.post(
                "/webhooks/gateway/webhook",
                json={"sender": "c", "message": "hej", "message_id": message_id},
                headers={"Authorization": f"Bearer {SECRET}"},
            )
    assert reply.status_code == 400
    assert handled == []
