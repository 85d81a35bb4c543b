"""State machines are enums in backend/models/states.py; every state is classified where the code
decides by sets of states and labelled wherever states are shown as words, so a new state cannot
silently fall through (for example past the purge, which must delete every final inbound state)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.channels.gateway import OWNER_NOTICES
from backend.inbox import i18n as inbox_words
from backend.inbox.pages import OWNER_WORDS
from backend.models.outbox import InboundMessage
from backend.models.states import (
    CONVERSATION_WITH_PEOPLE,
    INBOUND_HANDLED,
    INBOUND_PENDING,
    ApplicationStatus,
    ConversationOwner,
    Decision,
    InboundState,
    NotificationStatus,
    TaskFilter,
    TaskState,
)
from backend.nlg import formatting as citizen_words
from backend.retention import RetentionPolicy, delete_delivery_records, redact_inbound_texts


def test_every_inbound_state_is_either_pending_or_handled() -> None:
    assert INBOUND_PENDING.isdisjoint(INBOUND_HANDLED)
    assert set(InboundState) == INBOUND_PENDING | INBOUND_HANDLED


def test_every_owner_but_the_bot_has_the_notice_the_citizen_gets_instead_of_a_bot_answer() -> None:
    assert set(OWNER_NOTICES) == set(ConversationOwner) - {ConversationOwner.BOT}
    assert CONVERSATION_WITH_PEOPLE == {ConversationOwner.WAITING, ConversationOwner.HUMAN}


@pytest.mark.parametrize(
    ("words", "states"),
    [
        (inbox_words.STATUS_WORDS, ApplicationStatus),
        (inbox_words.DECISION_WORDS, Decision),
        (inbox_words.NOTIFICATION_WORDS, NotificationStatus),
        (OWNER_WORDS, ConversationOwner),
        (citizen_words.STATUS_WORDS, ApplicationStatus),
        (citizen_words.DECISION_WORDS, Decision),
    ],
    ids=[
        "inbox-status",
        "inbox-decision",
        "inbox-notification",
        "inbox-owner",
        "citizen-status",
        "citizen-decision",
    ],
)
def test_every_state_has_a_label_and_every_label_is_keyed_by_a_member_of_its_enum(
    words: dict[str, str], states: type[StrEnum]
) -> None:
    assert set(words) == set(states)
    assert all(type(key) is states for key in words)


def test_a_task_list_shows_one_task_state_or_all() -> None:
    assert set(TaskFilter) == set(TaskState) | {"all"}


async def test_a_dropped_inbound_message_is_redacted_and_then_deleted_like_a_handled_one(
    db: AsyncSession,
) -> None:
    now = datetime.now(UTC)
    policy = RetentionPolicy(
        history=timedelta(days=30),
        drafts=timedelta(days=30),
        conversations=timedelta(days=30),
        message_texts=timedelta(days=2),
        web_sessions=timedelta(minutes=30),
    )
    for number, (state, age) in enumerate(
        [
            (InboundState.DROPPED, timedelta(days=3)),  # text past its period
            (InboundState.DROPPED, timedelta(days=31)),  # record past the history period
            (InboundState.DONE, timedelta(days=3)),
            (InboundState.QUEUED, timedelta(days=31)),  # never touched while pending
        ]
    ):
        db.add(
            InboundMessage(
                provider="twilio",
                external_id=f"SM{number}",
                channel="sms",
                sender="+299551234",
                text="Mit CPR er 0708861234",
                status=state,
                received_at=now - age,
                processed_at=None if state == InboundState.QUEUED else now - age,
            )
        )
    await db.commit()

    assert await redact_inbound_texts(db, policy, now) == 3
    deleted = await delete_delivery_records(db, policy, now)
    await db.commit()
    assert deleted["inbound_messages"] == 1
    rows = (await db.execute(select(InboundMessage).order_by(InboundMessage.external_id))).scalars().all()
    db.expunge_all()
    assert [(r.external_id, r.status, r.text) for r in rows] == [
        ("SM0", InboundState.DROPPED, ""),
        ("SM2", InboundState.DONE, ""),
        ("SM3", InboundState.QUEUED, "Mit CPR er 0708861234"),
    ]
