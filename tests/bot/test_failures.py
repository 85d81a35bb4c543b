"""A failed action is recorded for the turn, and the action server's error answer (the whole tracker)
never reaches Rasa's log of the exception."""

from __future__ import annotations

import traceback

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import EndpointConfig

import bot.channels.gateway  # noqa: F401  (installs the patches, as Rasa does when it reads credentials.yml)
from bot import failures
from tests.bot.conftest import free_port

TRACKER_TEXT = "Emma Lund, 140794-3816, +45 21 43 65 87"


async def test_a_failed_action_is_recorded_and_its_error_answer_is_not_in_the_traceback() -> None:
    async def like_rasa_sdk(request: web.Request) -> web.Response:
        body = {"error": "'list' object has no attribute 'get'", "request_body": {"text": TRACKER_TEXT}}
        return web.json_response(body, status=500)

    app = web.Application()
    app.router.add_post("/webhook", like_rasa_sdk)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        turn = failures.start_turn()
        action = RemoteAction("action_start_application", EndpointConfig(f"http://127.0.0.1:{port}/webhook"))
        with pytest.raises(RasaException) as raised:
            await action.run(
                CollectingOutputChannel(), None, DialogueStateTracker("c", slots=[]), Domain.empty()
            )  # type: ignore[arg-type]
    finally:
        await runner.cleanup()
    assert turn == ["action server"]
    logged = "".join(traceback.format_exception(raised.type, raised.value, raised.tb))
    assert "Failed to execute custom action 'action_start_application'" in logged
    assert "500, Internal Server Error, body not logged" in logged
    assert "Emma Lund" not in logged and "3816" not in logged and "request_body" not in logged
