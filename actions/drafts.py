"""Resumable drafts: continue a saved draft or start again, and save each answer as it is given.

`action_start_application` activates `draft_choice_form` when the person has a saved draft with
answers: it asks whether to continue (yes) or start again (no) until it gets one of the two. Then
`action_continue_or_restart_draft` (data/stories/drafts.yml) shows the draft and activates
`application_form` itself, after filling the answers already given: a form activated by a rule would
validate those slots as if the citizen had just typed them, while here the form only asks for the
first step that is still empty.

The answers are saved when the form asks its next question: the form looks for
`action_ask_application_form_<slot>` before `action_ask_<slot>` and `utter_ask_<slot>` (Rasa's
search order), so the actions below save the answers so far, then ask exactly as the form would
have. When the backend says the login has ended, the form stops and the citizen is asked to log in
again; after the login the application resumes with the offer to continue.
"""

from __future__ import annotations

import inspect
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from rasa_sdk.utils import all_subclasses

from actions.application import draft_not_ready, draft_slots, show_draft
from actions.backend_client import BackendClient, BackendUnavailable, Reply
from actions.common import backend_unavailable, reset_application
from actions.parsing import draft_arguments

logger = logging.getLogger(__name__)

FORM = "application_form"
# The steps a draft keeps, in the order the form asks them (backend/applications/drafts.py STEPS).
STEPS = ("dwelling_confirmed", "dwelling_correction", "household_confirmed", "household_correction", "phone")


# Typed instead of pressing a button: the buttons' words in kl, da, sv (and English).
CONTINUE_WORDS = frozenset({"ingerlaqqigit", "fortsæt", "fortsætte", "fortsätt", "fortsätta", "continue"})
RESTART_WORDS = frozenset(
    {"aallarteqqigit", "start forfra", "forfra", "begynd forfra", "börja om", "start again", "restart"}
)


class ActionAskDraftChoice(Action):
    """The offer: the day the saved draft was started; yes continues it, no starts again."""

    def name(self) -> str:
        return "action_ask_draft_choice"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            response="utter_draft_resume_offer", started_date=tracker.get_slot("draft_started_on")
        )
        return []


class ValidateDraftChoiceForm(FormValidationAction):
    def name(self) -> str:
        return "validate_draft_choice_form"

    def validate_draft_choice(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes, no, or a button's word typed; anything else makes the form ask again."""
        return {"draft_choice": draft_choice(value)}


def draft_choice(value: Any) -> str | None:
    if value in ("continue", "restart"):
        return str(value)
    words = " ".join(value.casefold().strip(" .!?").split()) if isinstance(value, str) else ""
    if words in CONTINUE_WORDS:
        return "continue"
    if words in RESTART_WORDS:
        return "restart"
    return None


class ActionContinueOrRestartDraft(Action):
    """After the offer: continue the saved draft with its answers (the form asks the first unanswered
    step), or discard it and show a new one from the registers."""

    def name(self) -> str:
        return "action_continue_or_restart_draft"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        client = BackendClient.from_env()
        restart = tracker.get_slot("draft_choice") == "restart"
        try:
            if restart:
                reply = await client.restart_draft(tracker.sender_id)
            else:
                reply = await client.continue_draft(tracker.sender_id)
        except BackendUnavailable:
            backend_unavailable(dispatcher)
            return not_started()
        return start_form(dispatcher, reply)


def not_started() -> list[dict[str, Any]]:
    return [SlotSet("application_ready", False), SlotSet("draft_choice", None)]


def start_form(dispatcher: CollectingDispatcher, reply: Reply) -> list[dict[str, Any]]:
    """Show a ready draft and start the form on it (the events end with the activation, so that the
    form validates none of the answers filled in here); anything else as when starting."""
    body = reply.body
    if body.get("status") != "ready" or reply.status_code != 200:
        return [*draft_not_ready(dispatcher, reply), SlotSet("draft_choice", None)]
    answers = body.get("answers") if body.get("continued") is True else None
    if isinstance(answers, dict):
        show_continued(dispatcher, body, answers)
    else:
        answers = {}
        show_draft(dispatcher, body)
    return [
        *reset_application(),
        *draft_slots(body),
        *(SlotSet(step, answers.get(step)) for step in STEPS),
        SlotSet("application_ready", True),
        ActiveLoop(FORM),
    ]


def show_continued(dispatcher: CollectingDispatcher, body: dict[str, Any], answers: dict[str, Any]) -> None:
    """Where the citizen left off: the sections still to be answered (all of them anew when the
    registers changed since), not the ones already answered."""
    dispatcher.utter_message(response="utter_draft_continued", started_date=body.get("started_on"))
    if body.get("register_changed"):
        dispatcher.utter_message(response="utter_draft_register_changed")
    arguments = draft_arguments(body.get("display") or {})
    if still_open(answers, "dwelling"):
        for response in ("utter_draft_tenant", "utter_draft_dwelling"):
            dispatcher.utter_message(response=response, **arguments[response])
    if still_open(answers, "household"):
        dispatcher.utter_message(response="utter_draft_household", **arguments["utter_draft_household"])


def still_open(answers: dict[str, Any], section: str) -> bool:
    """Whether the form will ask about the section: not confirmed yet, or "no" without the correction."""
    confirmed = answers.get(f"{section}_confirmed")
    return confirmed is None or (confirmed is False and not answers.get(f"{section}_correction"))


def answers_so_far(tracker: Tracker) -> dict[str, Any]:
    """The form's answers as the draft keeps them (a correction only after "no" to its section)."""
    answers = {step: tracker.get_slot(step) for step in STEPS}
    for section in ("dwelling", "household"):
        if answers[f"{section}_confirmed"] is not False:
            answers[f"{section}_correction"] = None
    return answers


async def save_answers(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]] | None:
    """Save the answers so far on the draft. None when the form may go on (saved, nothing to save, or
    not saved because the backend is unavailable: the answers are still in the tracker and are sent
    with the application); else the events that stop the form because the login has ended."""
    draft_id = tracker.get_slot("draft_id")
    answers = answers_so_far(tracker)
    if not draft_id or all(value is None for value in answers.values()):
        return None
    try:
        reply = await BackendClient.from_env().save_draft_answers(tracker.sender_id, draft_id, answers)
    except BackendUnavailable:
        return None
    if reply.body.get("status") == "login_required":
        dispatcher.utter_message(response="utter_login_required", login_url=reply.body.get("login_url"))
        return [
            SlotSet("requested_slot", None),
            *reset_application(),
            ActiveLoop(None),
            FollowupAction("action_listen"),
        ]
    if reply.status_code != 200:
        logger.warning(
            "draft answers not saved: HTTP %s, error %r", reply.status_code, reply.body.get("error")
        )
    return None


class _AskAndSave(Action, ABC):
    """Saves the answers so far, then asks for `slot` the way the form would without this action."""

    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{FORM}_{self.slot}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        stopped = await save_answers(dispatcher, tracker)
        if stopped is not None:
            return stopped
        asking = (
            registered_action(f"action_ask_{self.slot}")
            if _declared(f"action_ask_{self.slot}", domain)
            else None
        )
        if asking is not None:
            return list(await asking.run(dispatcher, tracker, domain))
        dispatcher.utter_message(response=f"utter_ask_{self.slot}")
        return []


def _declared(action_name: str, domain: DomainDict) -> bool:
    return action_name in (domain.get("actions") or [])


def registered_action(action_name: str) -> Action | None:
    """The custom action of that name, found the way rasa-sdk registers actions (every concrete
    subclass of Action outside rasa_sdk)."""
    for cls in all_subclasses(Action):
        if cls.__module__.startswith("rasa_sdk.") or inspect.isabstract(cls):
            continue
        action = cls()
        if action.name() == action_name:
            return action
    return None


class ActionAskDwellingConfirmed(_AskAndSave):
    slot = "dwelling_confirmed"


class ActionAskDwellingCorrection(_AskAndSave):
    slot = "dwelling_correction"


class ActionAskHouseholdConfirmed(_AskAndSave):
    slot = "household_confirmed"


class ActionAskHouseholdCorrection(_AskAndSave):
    slot = "household_correction"


class ActionAskPhoneAndSave(_AskAndSave):
    slot = "phone"


class ActionAskSubmitConfirmedAndSave(_AskAndSave):
    slot = "submit_confirmed"
