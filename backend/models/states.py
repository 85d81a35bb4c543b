"""The state machines of outbound messages, each one enum in one place.

Models, services, listeners and tests use these members; they are `StrEnum`s, so the database keeps
plain strings and comparisons with stored values work unchanged.
"""

from __future__ import annotations

from enum import StrEnum


class OutboxState(StrEnum):
    """An outbound message: created → sending → sent → delivered | undelivered, or failed.

    `created` again after a temporary failure; `opted_out` when the recipient opted out before it
    left; `unknown` when an instance crashed while sending (never resent, to avoid a duplicate)."""

    CREATED = "created"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    OPTED_OUT = "opted_out"
    UNKNOWN = "unknown"


# No provider answer moves a message out of these.
OUTBOX_FINAL = frozenset(
    {
        OutboxState.DELIVERED,
        OutboxState.UNDELIVERED,
        OutboxState.FAILED,
        OutboxState.OPTED_OUT,
        OutboxState.UNKNOWN,
    }
)
# The recipient never got the message: a notification falls back to the citizen's next channel.
OUTBOX_NOT_RECEIVED = frozenset({OutboxState.UNDELIVERED, OutboxState.FAILED, OutboxState.OPTED_OUT})


class NotificationStatus(StrEnum):
    """A neutral "something is waiting" notice on one channel."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"  # not received, and no further channel to fall back to
    FALLEN_BACK = "fallen_back"  # not received; a notice on the next channel followed
    NO_CHANNEL = "no_channel"  # the citizen has no address on any channel
    UNKNOWN = "unknown"


class ApplicationStatus(StrEnum):
    """An application as the citizen sees it: submitted → received (opened by a caseworker or
    acknowledged by the case system) → waiting_for_citizen (documents requested) → received again
    (documents arrived) → taken_over (into the case system) → decided. The allowed moves are in
    backend/applications/status.py."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    WAITING_FOR_CITIZEN = "waiting_for_citizen"
    TAKEN_OVER = "taken_over"
    DECIDED = "decided"


# In the case system: out of the inbox's queues, into history.
APPLICATION_CLOSED = frozenset({ApplicationStatus.TAKEN_OVER, ApplicationStatus.DECIDED})


class Decision(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


class TaskState(StrEnum):
    """A caseworker's follow-up task: open → done (completed by any caseworker)."""

    OPEN = "open"
    DONE = "done"


class TaskFilter(StrEnum):
    """Which tasks a task list shows: the tasks in one state, or all of them."""

    OPEN = TaskState.OPEN.value
    DONE = TaskState.DONE.value
    ALL = "all"


class ConversationOwner(StrEnum):
    """Who answers a conversation: bot → waiting (the citizen asked for a person) → human (a
    caseworker took it) → bot again when the caseworker hands it back (backend/inbox/live.py). In
    `closed` the gateway answers every message with a notice; no move in the code leads there."""

    BOT = "bot"
    WAITING = "waiting"
    HUMAN = "human"
    CLOSED = "closed"


# In the live queue of the inbox: waiting for a person, or with one.
CONVERSATION_WITH_PEOPLE = frozenset({ConversationOwner.WAITING, ConversationOwner.HUMAN})


class InboundState(StrEnum):
    """An inbound SMS or Telegram message in the worker's queue: queued → processing → done; back to
    queued after a failed attempt (or a worker that stopped renewing its claim), failed after the
    last attempt; dropped without a turn when its sender is over the turn limit."""

    QUEUED = "queued"
    PROCESSING = "processing"
    DONE = "done"
    FAILED = "failed"
    DROPPED = "dropped"


# Waiting for or in a turn: a later message of the same conversation waits for these.
INBOUND_PENDING = frozenset({InboundState.QUEUED, InboundState.PROCESSING})
# Handled for good: nothing picks it up again, and its retention period runs.
INBOUND_HANDLED = frozenset({InboundState.DONE, InboundState.FAILED, InboundState.DROPPED})
