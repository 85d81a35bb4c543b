"""Talk to a person: the live queue in opening hours, a written message outside them (issue 4)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendUnavailable
from actions.common import TOO_MANY_REQUESTS, backend_unavailable, too_many_requests

logger = logging.getLogger(__name__)


class ActionRequestPerson(Action):
    """`POST /internal/conversations/{cid}/handoff`. Queued: the bot says so and stays silent from
    now on (the backend no longer forwards the conversation to Rasa). Outside opening hours: the
    citizen may leave a message instead (`caseworker_message_form` follows)."""

    def name(self) -> str:
        return "action_request_person"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            reply = await BackendClient.from_env().request_person(tracker.sender_id)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return []
        if reply.status_code == TOO_MANY_REQUESTS:
            too_many_requests(dispatcher)
            return []
        status = reply.body.get("status")
        if status == "queued":
            dispatcher.utter_message(response="utter_handoff_queued")
            return []
        if status == "closed_hours":
            dispatcher.utter_message(response="utter_handoff_closed")
            return [FollowupAction("caseworker_message_form")]
        logger.warning("unexpected handoff answer: HTTP %s, status %r", reply.status_code, status)
        backend_unavailable(dispatcher)
        return []
