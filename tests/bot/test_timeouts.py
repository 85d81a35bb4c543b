from __future__ import annotations

import asyncio
import time

import pytest
import rasa.core.actions.action
import rasa.core.nlg.callback
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg.callback import CallbackNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import bot.channels.gateway  # noqa: F401 - importing the channel installs the patches
from bot import failures, timeouts
from tests.bot.conftest import free_port


def test_importing_the_gateway_shortens_rasas_five_minute_action_and_nlg_timeouts() -> None:
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == timeouts.DEFAULT_ACTION_TIMEOUT_SECONDS
    assert rasa.core.nlg.callback.DEFAULT_REQUEST_TIMEOUT == timeouts.DEFAULT_NLG_TIMEOUT_SECONDS
    assert timeouts.DEFAULT_ACTION_TIMEOUT_SECONDS < 300


def test_the_timeouts_can_be_set_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_ACTION_TIMEOUT_SECONDS", "3.5")
    monkeypatch.setenv("RASA_NLG_TIMEOUT_SECONDS", "nonsense")
    try:
        timeouts.install()
        assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 3.5
        assert rasa.core.nlg.callback.DEFAULT_REQUEST_TIMEOUT == timeouts.DEFAULT_NLG_TIMEOUT_SECONDS
    finally:
        monkeypatch.delenv("RASA_ACTION_TIMEOUT_SECONDS")
        timeouts.install()


async def start_hanging_server() -> tuple[web.AppRunner, str]:
    async def hang(request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.json_response({"events": [], "responses": []})

    app = web.Application()
    app.router.add_post("/webhook", hang)
    app.router.add_post("/nlg", hang)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


async def test_a_hanging_action_server_fails_the_turn_within_the_short_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 0.5)
    runner, base = await start_hanging_server()
    try:
        action = RemoteAction("action_check_status", EndpointConfig(f"{base}/webhook"))
        tracker = DialogueStateTracker("c", slots=[])
        turn = failures.start_turn()
        started = time.monotonic()
        with pytest.raises(Exception):  # noqa: B017 - Rasa raises aiohttp's/asyncio's timeout
            await action.run(CollectingOutputChannel(), None, tracker, Domain.empty())  # type: ignore[arg-type]
        assert time.monotonic() - started < 5
        assert turn == ["action server"]
    finally:
        await runner.cleanup()


async def test_a_hanging_nlg_endpoint_is_recorded_as_a_failure_of_the_turn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rasa.core.nlg.callback, "DEFAULT_REQUEST_TIMEOUT", 0.5)
    runner, base = await start_hanging_server()
    try:
        nlg = CallbackNaturalLanguageGenerator(EndpointConfig(f"{base}/nlg"))
        turn = failures.start_turn()
        with pytest.raises(asyncio.TimeoutError):
            await nlg.generate("utter_greet", DialogueStateTracker("c", slots=[]), "gateway")
        assert turn == ["nlg"]
    finally:
        await runner.cleanup()
