"""The retention policy (docs/data-protection.md) and the parts of the daily purge that apply it to the
delivery records, the short-lived stores and Rasa's tracker store.

The periods come from the settings; `RetentionPolicy` names, for each kind of data, which one applies.
`backend.scheduler.purge` runs all of it once a day on exactly one instance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.dao.oidc_logins import dao_delete_expired_oidc_logins
from backend.models.applications import Application, Draft
from backend.models.casework import CaseTask, JournalNote
from backend.models.caseworkers import LoginThrottle
from backend.models.conversations import ChatMessage, Conversation, WebSession
from backend.models.limits import RateLimitCounter
from backend.models.machine_clients import MachineToken
from backend.models.outbox import InboundMessage, LinkToken, OutboxMessage, RecipientHold
from backend.models.states import INBOUND_HANDLED, ConversationOwner, OutboxState
from backend.tracker_events import events, tracker_connection

LOGIN_CODE_TEXT = timedelta(minutes=10)  # an SMS login code is worthless after its validity
PENDING = (OutboxState.CREATED, OutboxState.SENDING)
# An abuse-limit window's counter goes a minute after the window ends, as in the limits' own sweep
# (instances' clocks may differ a little).
COUNTER_GRACE = timedelta(minutes=1)
BATCH = 500


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of data is kept (see docs/data-protection.md for why)."""

    history: timedelta  # processed applications, transcripts, secure messages, notifications, delivery
    # records (outbox and inbound rows without their texts), audit entries, job runs
    drafts: timedelta  # an unsent draft, after its last answer
    conversations: timedelta  # an idle conversation not tied to an application or draft; Rasa's events
    message_texts: timedelta  # SMS, Telegram and e-mail texts, after delivery (or handling, inbound)
    web_sessions: timedelta  # after expiry: the browser dropped the cookie by then

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        return cls(
            history=timedelta(days=settings.history_retention_days),
            drafts=timedelta(days=settings.draft_retention_days),
            conversations=timedelta(days=settings.conversation_retention_days),
            message_texts=timedelta(days=settings.message_text_retention_days),
            web_sessions=timedelta(minutes=settings.session_ttl_minutes),
        )


async def redact_outbox_texts(db: AsyncSession, policy: RetentionPolicy, now: datetime) -> int:
    """Blank the text, subject, HTML and buttons of messages that left us longer ago than the period
    (login codes after their validity); the row stays as the delivery record."""
    left_at = func.coalesce(OutboxMessage.final_at, OutboxMessage.sent_at, OutboxMessage.updated_at)
    result = await db.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status.not_in(PENDING),
            or_(
                OutboxMessage.text != "", OutboxMessage.html.is_not(None), OutboxMessage.subject.is_not(None)
            ),
            or_(
                left_at < now - policy.message_texts,
                and_(OutboxMessage.kind == "login_code", left_at < now - LOGIN_CODE_TEXT),
            ),
        )
        .values(text="", subject=None, html=None, buttons=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def redact_inbound_texts(db: AsyncSession, policy: RetentionPolicy, now: datetime) -> int:
    """Blank the text and sender name of SMS and Telegram messages handled longer ago than the period;
    the row stays (it recognises a provider's late retry)."""
    handled_at = func.coalesce(InboundMessage.processed_at, InboundMessage.received_at)
    result = await db.execute(
        update(InboundMessage)
        .where(
            InboundMessage.status.in_(INBOUND_HANDLED),
            or_(InboundMessage.text != "", InboundMessage.sender_name.is_not(None)),
            handled_at < now - policy.message_texts,
        )
        .values(text="", sender_name=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


async def delete_delivery_records(db: AsyncSession, policy: RetentionPolicy, now: datetime) -> dict[str, int]:
    """Outbox rows (with their attempts) and inbound rows past the history period."""
    cutoff = now - policy.history
    left_at = func.coalesce(OutboxMessage.final_at, OutboxMessage.sent_at, OutboxMessage.updated_at)
    outbox = await db.execute(
        delete(OutboxMessage).where(OutboxMessage.status.not_in(PENDING), left_at < cutoff)
    )
    inbound = await db.execute(
        delete(InboundMessage).where(
            InboundMessage.status.in_(INBOUND_HANDLED),
            func.coalesce(InboundMessage.processed_at, InboundMessage.received_at) < cutoff,
        )
    )
    return {"outbox_messages": int(outbox.rowcount or 0), "inbound_messages": int(inbound.rowcount or 0)}


async def delete_spent_links_and_sessions(
    db: AsyncSession, policy: RetentionPolicy, now: datetime
) -> dict[str, int]:
    """One-time links past their expiry, browser sessions whose cookie is gone, eID logins never
    finished: none of them can be presented again."""
    links = await db.execute(delete(LinkToken).where(LinkToken.expires_at < now))
    sessions = await db.execute(delete(WebSession).where(WebSession.expires_at < now - policy.web_sessions))
    await dao_delete_expired_oidc_logins(db, now)
    return {"link_tokens": int(links.rowcount or 0), "web_sessions": int(sessions.rowcount or 0)}


async def delete_ended_counters(db: AsyncSession, settings: Settings, now: datetime) -> dict[str, int]:
    """Failed-login counters whose window ended, abuse-limit counters of ended windows (the limits' own
    sweep runs only while requests come in), per-recipient holds of the outbox that ended, and expired
    machine tokens: none of them counts, holds or admits anything any more."""
    window = timedelta(minutes=settings.login_window_minutes)
    throttle = await db.execute(delete(LoginThrottle).where(LoginThrottle.window_started_at <= now - window))
    counters = await db.execute(
        delete(RateLimitCounter).where(RateLimitCounter.expires_at <= int((now - COUNTER_GRACE).timestamp()))
    )
    holds = await db.execute(delete(RecipientHold).where(RecipientHold.until <= now))
    tokens = await db.execute(delete(MachineToken).where(MachineToken.expires_at <= now))
    return {
        "login_throttle": int(throttle.rowcount or 0),
        "rate_limit_counters": int(counters.rowcount or 0),
        "recipient_holds": int(holds.rowcount or 0),
        "machine_tokens": int(tokens.rowcount or 0),
    }


async def idle_conversation_ids(db: AsyncSession, policy: RetentionPolicy, now: datetime) -> list[str]:
    """Conversations nobody can continue and nothing refers to: no activity within the period (the
    row, its transcript, its SMS/Telegram messages), no person bound now, not with a caseworker, no
    browser session left, and no application or draft made in them."""
    cutoff = now - policy.conversations
    recent_message = exists().where(
        ChatMessage.conversation_id == Conversation.id, ChatMessage.created_at >= cutoff
    )
    recent_inbound = exists().where(
        InboundMessage.conversation_id == Conversation.id, InboundMessage.received_at >= cutoff
    )
    session = exists().where(WebSession.conversation_id == Conversation.id)
    application = exists().where(Application.conversation_id == Conversation.id)
    draft = exists().where(Draft.conversation_id == Conversation.id)
    query = select(Conversation.id).where(
        Conversation.updated_at < cutoff,
        Conversation.created_at < cutoff,
        or_(Conversation.bound_until.is_(None), Conversation.bound_until < now),
        Conversation.owner.in_((ConversationOwner.BOT, ConversationOwner.CLOSED)),
        ~recent_message,
        ~recent_inbound,
        ~session,
        ~application,
        ~draft,
    )
    return list((await db.execute(query)).scalars().all())


async def delete_conversations(db: AsyncSession, conversation_ids: Sequence[str]) -> dict[str, int]:
    """Each conversation with its transcript and one-time links. Outbox and inbound rows keep their
    (redacted) delivery record until the history period ends."""
    counts = {"conversations": 0, "chat_messages": 0}
    for start in range(0, len(conversation_ids), BATCH):
        batch = list(conversation_ids[start : start + BATCH])
        messages = await db.execute(delete(ChatMessage).where(ChatMessage.conversation_id.in_(batch)))
        await db.execute(delete(LinkToken).where(LinkToken.conversation_id.in_(batch)))
        deleted = await db.execute(delete(Conversation).where(Conversation.id.in_(batch)))
        counts["chat_messages"] += int(messages.rowcount or 0)
        counts["conversations"] += int(deleted.rowcount or 0)
    return counts


async def delete_casework_records(db: AsyncSession, policy: RetentionPolicy, now: datetime) -> dict[str, int]:
    """Journal notes and tasks go with their application's history: those whose application the purge
    removed, and notes on a person (no application) older than the history period."""
    application_gone = ~exists().where(Application.reference == JournalNote.application_reference)
    notes = await db.execute(
        delete(JournalNote)
        .where(
            or_(
                and_(JournalNote.application_reference.is_not(None), application_gone),
                and_(
                    JournalNote.application_reference.is_(None), JournalNote.created_at < now - policy.history
                ),
            )
        )
        .execution_options(synchronize_session=False)
    )
    tasks = await db.execute(
        delete(CaseTask)
        .where(~exists().where(Application.reference == CaseTask.application_reference))
        .execution_options(synchronize_session=False)
    )
    return {"journal_notes": int(notes.rowcount or 0), "case_tasks": int(tasks.rowcount or 0)}


async def purge_tracker_events(settings: Settings, *, now: datetime) -> int:
    """Delete Rasa's events of every conversation whose newest event is older than the conversation
    period, in the tracker store's own database (its own transaction)."""
    cutoff = (now - RetentionPolicy.from_settings(settings).conversations).timestamp()
    async with tracker_connection(settings) as connection:
        if connection is None:
            return 0
        stale = (
            select(events.c.sender_id)
            .group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < cutoff)
        )
        result = await connection.execute(delete(events).where(events.c.sender_id.in_(stale)))
        return int(result.rowcount or 0)


async def apply(db: AsyncSession, settings: Settings, *, now: datetime) -> tuple[dict[str, Any], list[str]]:
    """The purge's steps for the delivery records and the short-lived stores (not committed); the
    number of rows redacted or deleted per kind, and the storage keys of the purged documents' files
    (deleted once the purge is committed)."""
    policy = RetentionPolicy.from_settings(settings)
    counts: dict[str, int] = await delete_delivery_records(db, policy, now)
    counts["outbox_texts_redacted"] = await redact_outbox_texts(db, policy, now)
    counts["inbound_texts_redacted"] = await redact_inbound_texts(db, policy, now)
    counts.update(await delete_spent_links_and_sessions(db, policy, now))
    counts.update(await delete_ended_counters(db, settings, now))
    removed = await delete_conversations(db, await idle_conversation_ids(db, policy, now))
    counts["conversations"] = removed["conversations"]
    counts["idle_transcript_messages"] = removed["chat_messages"]
    counts.update(await delete_casework_records(db, policy, now))
    documents, files = await purge_documents(db, settings, policy, now)
    counts.update(documents)
    return counts, files


async def purge_documents(
    db: AsyncSession, settings: Settings, policy: RetentionPolicy, now: datetime
) -> tuple[dict[str, int], list[str]]:
    """Documents and document requests of applications purged before this step, and documents never
    tied to an application after the history period: the counts, and the storage keys of the
    documents' encrypted files, which the caller deletes after the commit."""
    from backend.documents.service import purge_orphans

    return await purge_orphans(db, settings, cutoff=now - policy.history)
