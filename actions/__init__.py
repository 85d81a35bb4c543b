"""Custom actions for the Rasa action server (rasa-sdk registers every Action subclass it imports).

The actions talk to the backend over HTTP only (`backend_client`), learn who the citizen is only by
asking the backend about the conversation id (`tracker.sender_id`), and fail soft: when the backend is
unreachable they say `utter_backend_unavailable` and leave the conversation's state as it was.
"""

from actions import (  # noqa: F401
    application,
    contact,
    fallback,
    forms,
    handoff,
    language,
    messages,
    session,
    status,
)
