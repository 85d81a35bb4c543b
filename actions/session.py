"""The end of a login: the backend unbinds the person from the conversation.

Session start is Rasa's default `action_session_start`; the widget shows its own greeting.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendUnavailable
from actions.common import backend_unavailable, reset_application


class ActionLogout(Action):
    def name(self) -> str:
        return "action_logout"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            reply = await BackendClient.from_env().logout(tracker.sender_id)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return []
        if reply.status_code not in (200, 204):
            backend_unavailable(dispatcher)
            return []
        dispatcher.utter_message(response="utter_logged_out")
        return reset_application()
