"""Secure messages: the citizen reads the municipality's messages and writes to a caseworker."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendUnavailable
from actions.common import TOO_MANY_REQUESTS, backend_unavailable, too_many_requests

logger = logging.getLogger(__name__)


class ActionReadMessages(Action):
    """Shows the citizen's messages (`GET /internal/conversations/{cid}/messages`, issue 4)."""

    def name(self) -> str:
        return "action_read_messages"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        try:
            reply = await BackendClient.from_env().messages(tracker.sender_id)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return []
        body = reply.body
        status = body.get("status")
        if status == "login_required":
            dispatcher.utter_message(response="utter_login_required", login_url=body.get("login_url"))
            return []
        messages = body.get("messages")
        if status != "ok" or not isinstance(messages, list):
            logger.warning("unexpected messages answer: HTTP %s, status %r", reply.status_code, status)
            backend_unavailable(dispatcher)
            return []
        if not messages:
            dispatcher.utter_message(response="utter_no_messages")
        for message in messages:
            dispatcher.utter_message(
                response="utter_secure_message",
                sent_datetime=message.get("sent_at"),
                message_text=message.get("text"),
            )
        return []


class ActionSendCaseworkerMessage(Action):
    """Sends what the citizen wrote in `caseworker_message_form` to a caseworker."""

    def name(self) -> str:
        return "action_send_caseworker_message"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        text = tracker.get_slot("caseworker_message")
        done = [SlotSet("caseworker_message", None), SlotSet("caseworker_offered", False)]
        if not text:
            dispatcher.utter_message(response="utter_cancelled")
            return done
        try:
            reply = await BackendClient.from_env().leave_message(tracker.sender_id, text)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return []
        body = reply.body
        if reply.status_code == 201:
            dispatcher.utter_message(response="utter_caseworker_message_sent")
        elif reply.status_code == TOO_MANY_REQUESTS:
            too_many_requests(dispatcher)
        elif body.get("status") == "login_required":
            dispatcher.utter_message(response="utter_login_required", login_url=body.get("login_url"))
        else:
            logger.warning(
                "caseworker message refused: HTTP %s, error %r", reply.status_code, body.get("error")
            )
            backend_unavailable(dispatcher)
            return []
        return done
