"""The status of the citizen's latest application, from the backend."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendUnavailable
from actions.common import backend_unavailable
from actions.parsing import application_arguments

logger = logging.getLogger(__name__)


class ActionCheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            reply = await BackendClient.from_env().status(tracker.sender_id)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return []
        body = reply.body
        status = body.get("status")
        if status == "login_required":
            dispatcher.utter_message(response="utter_login_required", login_url=body.get("login_url"))
        elif status == "none":
            dispatcher.utter_message(response="utter_no_application")
        elif status == "found":
            application = body.get("application") or {}
            if application.get("decision"):
                dispatcher.utter_message(
                    response="utter_status_decided",
                    reference=application.get("reference"),
                    decision=application.get("decision"),
                    decided_on_date=application.get("decided_on"),
                    timeline=application.get("timeline"),
                )
            else:
                dispatcher.utter_message(
                    response="utter_status",
                    **application_arguments(application),
                    timeline=application.get("timeline"),
                )
        else:
            logger.warning("unexpected status answer: HTTP %s, status %r", reply.status_code, status)
            backend_unavailable(dispatcher)
        return []
