"""Starting, sending and stopping an application (the draft comes from the backend)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.backend_client import BackendClient, BackendUnavailable, Reply
from actions.common import TOO_MANY_REQUESTS, backend_unavailable, reset_application, too_many_requests
from actions.parsing import application_arguments, draft_arguments

logger = logging.getLogger(__name__)

REFERRAL_RESPONSES = {
    "private_landlord": "utter_referral_private_landlord",
    "no_tenancy": "utter_referral_no_tenancy",
}


class ActionStartApplication(Action):
    """Fetches the prefilled draft, or offers to continue a saved one; the rules start
    `application_form` only when `application_ready`."""

    def name(self) -> str:
        return "action_start_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        not_ready = [SlotSet("application_ready", False)]
        try:
            reply = await BackendClient.from_env().create_draft(tracker.sender_id)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return not_ready
        if reply.status_code == TOO_MANY_REQUESTS:
            too_many_requests(dispatcher)
            return not_ready
        body = reply.body
        status = body.get("status")
        if status == "ready" and reply.status_code == 200:
            show_draft(dispatcher, body)
            return [*reset_application(), *draft_slots(body), SlotSet("application_ready", True)]
        if status == "resumable" and reply.status_code == 200:
            # A saved draft with answers: draft_choice_form asks whether to continue it (actions/drafts.py).
            return [
                *reset_application(),
                SlotSet("draft_started_on", body.get("started_on")),
                ActiveLoop("draft_choice_form"),
            ]
        return draft_not_ready(dispatcher, reply)


def show_draft(dispatcher: CollectingDispatcher, body: dict[str, Any]) -> None:
    """The whole prefilled draft: intro, tenant, dwelling, household."""
    for response, arguments in draft_arguments(body.get("display") or {}).items():
        dispatcher.utter_message(response=response, **arguments)


def draft_slots(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The slots of a ready draft (after reset_application, which clears the answers)."""
    return [
        SlotSet("draft_id", body.get("draft_id")),
        SlotSet("register_phone", body.get("register_phone")),
        SlotSet("period_month", (body.get("display") or {}).get("period_month")),
    ]


def draft_not_ready(dispatcher: CollectingDispatcher, reply: Reply) -> list[dict[str, Any]]:
    """Every answer of the draft routes other than a draft to show: login, referral, already applied,
    or something unexpected (treated as the backend being unavailable)."""
    not_ready = [SlotSet("application_ready", False)]
    body = reply.body
    status = body.get("status")
    if status == "login_required":
        dispatcher.utter_message(response="utter_login_required", login_url=body.get("login_url"))
        return not_ready
    if status == "referral" and body.get("reason") in REFERRAL_RESPONSES:
        dispatcher.utter_message(
            response=REFERRAL_RESPONSES[body["reason"]], manual_form_url=body.get("manual_form_url")
        )
        return reset_application()
    if status == "already_applied":
        dispatcher.utter_message(
            response="utter_already_applied", **application_arguments(body.get("application") or {})
        )
        return reset_application()
    logger.warning("unexpected draft answer: HTTP %s, status %r", reply.status_code, status)
    backend_unavailable(dispatcher)
    return not_ready


class ActionSubmitApplication(Action):
    """Sends the confirmed application (idempotent on the draft id) and shows the receipt.

    When the backend is unavailable the slots stay, `submission_pending` is set, and "send" again
    retries with the same draft id.
    """

    def name(self) -> str:
        return "action_submit_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        draft_id = tracker.get_slot("draft_id")
        if tracker.get_slot("submit_confirmed") is not True or not draft_id:
            dispatcher.utter_message(response="utter_application_not_sent")
            return reset_application()
        try:
            reply = await BackendClient.from_env().submit_application(submission(tracker))
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return [SlotSet("submission_pending", True)]
        body = reply.body
        if reply.status_code in (200, 201):
            dispatcher.utter_message(
                response="utter_receipt",
                reference=body.get("reference"),
                submitted_datetime=body.get("submitted_at"),
            )
            return reset_application()
        if reply.status_code == 409:
            dispatcher.utter_message(
                response="utter_already_applied", **application_arguments(body.get("application") or {})
            )
            return reset_application()
        if body.get("status") == "login_required":
            dispatcher.utter_message(response="utter_login_required", login_url=body.get("login_url"))
            return [SlotSet("submission_pending", True)]
        logger.warning("application refused: HTTP %s, error %r", reply.status_code, body.get("error"))
        dispatcher.utter_message(response="utter_application_not_sent")
        return reset_application()


def submission(tracker: Tracker) -> dict[str, Any]:
    """The body of `POST /internal/applications` from the form's slots."""
    corrections = []
    for section in ("dwelling", "household"):
        text = tracker.get_slot(f"{section}_correction")
        if tracker.get_slot(f"{section}_confirmed") is False and text:
            corrections.append({"section": section, "text": text})
    return {
        "conversation_id": tracker.sender_id,
        "draft_id": tracker.get_slot("draft_id"),
        "dwelling_confirmed": tracker.get_slot("dwelling_confirmed") is True,
        "household_confirmed": tracker.get_slot("household_confirmed") is True,
        "corrections": corrections,
        "phone": tracker.get_slot("phone"),
    }


class ActionStopApplication(Action):
    """The citizen stopped: nothing is sent, and the application's slots are forgotten."""

    def name(self) -> str:
        return "action_stop_application"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_application_not_sent")
        return reset_application()
