"""Custom actions for the Rasa action server (rasa-sdk registers every Action subclass it imports).

The actions talk to the backend over HTTP only (`backend_client`), learn who the citizen is only by
asking the backend about the conversation id (`tracker.sender_id`), and fail soft: when the backend is
unreachable they say `utter_backend_unavailable` and leave the conversation's state as it was.
Importing the package masks personal data in every log record of the action server.
"""

from privacy import log_masking

log_masking.install()  # before any action logs: rasa-sdk logs a failed action's request with its tracker

from actions import (  # noqa: E402, F401
    application,
    contact,
    drafts,
    fallback,
    forms,
    handoff,
    language,
    messages,
    session,
    status,
)
