"""The citizen's choice of language (kl, da, sv), stored by the backend for the conversation."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendUnavailable
from actions.common import backend_unavailable
from actions.parsing import language_code


class ActionSetLanguage(Action):
    def name(self) -> str:
        return "action_set_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        language = language_code(next(tracker.get_latest_entity_values("language"), None))
        if language is None:
            dispatcher.utter_message(response="utter_ask_language")
            return []
        try:
            reply = await BackendClient.from_env().set_language(tracker.sender_id, language)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return []
        if reply.status_code != 200:
            backend_unavailable(dispatcher)
            return []
        dispatcher.utter_message(response="utter_language_changed")
        return []
