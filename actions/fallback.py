"""Messages that were not understood: options first, then an offer to write to a caseworker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.parsing import trailing_fallbacks

OFFER_AFTER = 2


class ActionHandleFallback(Action):
    """Stateless: counts the misunderstood messages in a row from the tracker's events.

    Only a rule outside forms runs it: inside a form a message that is not understood is taken by the
    form's catch-all mapping and gets the step's hint (actions/forms.py). Should it run inside a form
    anyway, it says nothing and sets nothing, so the form simply asks its question again.
    """

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[dict[str, Any]]:
        if tracker.active_loop.get("name"):
            return []
        if trailing_fallbacks(tracker.events) >= OFFER_AFTER:
            dispatcher.utter_message(response="utter_offer_caseworker")
            return [SlotSet("caseworker_offered", True)]
        dispatcher.utter_message(response="utter_default")
        return [SlotSet("caseworker_offered", False)]
