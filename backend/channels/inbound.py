"""The inbound queue of SMS and Telegram: webhooks store, this worker runs the bot turns.

A webhook only stores the message (deduplicated on the provider's id) and answers at once, so Twilio
and Telegram never wait for Rasa. This worker takes the oldest queued message of each conversation
(one at a time per conversation, so turns keep their order), runs the turn through the gateway exactly
like the web channel, and puts the replies in the outbox, rendered for the channel. Every instance
may run it: a compare-and-set from `queued` to `processing` decides who handles a message.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sanic import Sanic
from sqlalchemy import and_, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from backend import limits
from backend.background import repeat, start_loop, stop_loop
from backend.channels import gateway, sms_text, texts
from backend.channels.types import BotMessage, Button
from backend.conversations import service as conversations
from backend.conversations.language import effective_language
from backend.db import upsert_insert
from backend.models.conversations import ChatMessage, Conversation
from backend.models.outbox import InboundMessage
from backend.models.states import INBOUND_PENDING, InboundState
from backend.nlg import translate
from backend.outbox.service import enqueue

log = logging.getLogger("inissiaq.inbound")

BATCH = 20
IDLE_SECONDS = 0.1
MAX_ATTEMPTS = 3
# While a turn runs, its instance renews the claim (`processed_at`) every HEARTBEAT_SECONDS; a claim not
# renewed for STALE_AFTER belongs to an instance that died, and the sweep (every SWEEP_EVERY_SECONDS)
# queues the message again, so another instance answers it within about 40 s, not after a long turn.
HEARTBEAT_SECONDS = 5.0
STALE_AFTER = timedelta(seconds=30)
SWEEP_EVERY_SECONDS = 10.0


async def _store(
    db: AsyncSession, *, provider: str, external_id: str, channel: str, sender: str, text: str, done: bool
) -> tuple[InboundMessage, Conversation] | None:
    """Insert the message for its address's conversation (flushed); None when the provider's id was
    seen before (the unique constraint decides, so concurrent retries are safe too)."""
    conversation = await conversations.get_or_create_for_address(db, channel=channel, address=sender)
    message = InboundMessage(
        provider=provider,
        external_id=external_id,
        channel=channel,
        sender=sender,
        conversation_id=conversation.id,
        text=text,
        status=InboundState.DONE if done else InboundState.QUEUED,
        processed_at=datetime.now(UTC) if done else None,
    )
    try:
        async with db.begin_nested():
            db.add(message)
    except IntegrityError:
        await db.rollback()
        return None
    return message, conversation


async def accept(
    db: AsyncSession,
    *,
    provider: str,
    external_id: str,
    channel: str,
    sender: str,
    text: str,
    sender_name: str | None = None,
    kind: str = "message",
) -> int | None:
    """Queue one inbound message for the worker (committed); its id, or None for a replay.
    `kind="media"`: `text` holds the references of the files it carried (backend/channels/media.py).

    The webhook's whole database work: one INSERT … ON CONFLICT DO NOTHING on the provider's id, no
    ORM unit of work and no conversation lookup (the worker finds or opens the conversation), so
    Twilio and Telegram get their answer in a few milliseconds even under a burst."""
    statement = (
        upsert_insert(db, InboundMessage)
        .values(
            provider=provider,
            external_id=external_id,
            channel=channel,
            sender=sender,
            sender_name=sender_name,
            text=text,
            kind=kind,
            status=InboundState.QUEUED,
            attempts=0,
            received_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["provider", "external_id"])
        .returning(InboundMessage.id)
    )
    inserted = (await db.execute(statement)).scalar_one_or_none()
    await db.commit()
    return inserted


async def record_handled(
    db: AsyncSession, *, provider: str, external_id: str, channel: str, sender: str, text: str
) -> tuple[InboundMessage, Conversation] | None:
    """Store a message the webhook answers itself (STOP, START, HELP) as done. None for a replay.
    Not committed: the caller adds its answer to the outbox in the same transaction."""
    return await _store(
        db, provider=provider, external_id=external_id, channel=channel, sender=sender, text=text, done=True
    )


async def send_replies(db: AsyncSession, conversation: Conversation, replies: list[BotMessage]) -> None:
    """Queue the bot's messages for the conversation's channel (not committed)."""
    address = conversation.channel_address
    if not address:
        return
    for reply in replies:
        if conversation.channel == "sms":
            for part in sms_text.render(reply):
                await enqueue(
                    db,
                    channel="sms",
                    to=address,
                    text=part,
                    kind="bot_reply",
                    conversation_id=conversation.id,
                    person_cpr=conversation.person_cpr,
                )
        elif conversation.channel == "telegram":
            links = [
                f"{b.title}: {b.payload}" for b in reply.buttons if b.is_link and b.payload not in reply.text
            ]
            await enqueue(
                db,
                channel="telegram",
                to=address,
                text="\n".join([reply.text, *links]),
                buttons=[{"title": b.title, "payload": b.payload} for b in reply.buttons if not b.is_link],
                kind="bot_reply",
                conversation_id=conversation.id,
                person_cpr=conversation.person_cpr,
            )


async def last_buttons(db: AsyncSession, conversation_id: str) -> list[Button]:
    """The buttons of the bot's latest message: what "1" or "Ja" answers on SMS."""
    result = await db.execute(
        select(ChatMessage.buttons)
        .where(ChatMessage.conversation_id == conversation_id, ChatMessage.sender == "bot")
        .order_by(ChatMessage.id.desc())
        .limit(1)
    )
    buttons = result.scalars().first() or []
    return [Button(b["title"], b["payload"]) for b in buttons if isinstance(b, dict)]


async def due_ids(db: AsyncSession, limit: int = BATCH) -> list[int]:
    """The oldest queued message of each sender (phone number or chat, so of each conversation) that
    has none in processing."""
    earlier = aliased(InboundMessage)
    busy = exists().where(
        and_(
            earlier.channel == InboundMessage.channel,
            earlier.sender == InboundMessage.sender,
            earlier.id < InboundMessage.id,
            earlier.status.in_(INBOUND_PENDING),
        )
    )
    result = await db.execute(
        select(InboundMessage.id)
        .where(InboundMessage.status == InboundState.QUEUED, ~busy)
        .order_by(InboundMessage.id)
        .limit(limit)
    )
    return list(result.scalars().all())


async def process(app: Sanic, message_id: int) -> bool:
    """Claim and run one inbound message. False if another instance took it."""
    sessions = app.ctx.sessions
    async with sessions() as db:
        claimed = await db.execute(
            update(InboundMessage)
            .where(InboundMessage.id == message_id, InboundMessage.status == InboundState.QUEUED)
            .values(
                status=InboundState.PROCESSING,
                attempts=InboundMessage.attempts + 1,
                processed_at=datetime.now(UTC),
            )
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            await db.rollback()
            return False
        await db.commit()
        message = await db.get(InboundMessage, message_id)
        assert message is not None
        if message.conversation_id is None:  # queued by a webhook: the address's conversation
            conversation = await conversations.get_or_create_for_address(
                db, channel=message.channel, address=message.sender
            )
            message.conversation_id = conversation.id
            await db.commit()
        assert message.conversation_id is not None
        cid, kind, text, attempts = message.conversation_id, message.kind, message.text, message.attempts
        channel, sender = message.channel, message.sender
        buttons = await last_buttons(db, cid) if kind == "message" else []
    heartbeat = asyncio.create_task(_renew_claim(app, message_id))
    try:
        return await _run_turn(app, message_id, cid, kind, text, attempts, channel, sender, buttons)
    finally:
        heartbeat.cancel()


async def _renew_claim(app: Sanic, message_id: int) -> None:
    """Keep this instance's claim on the message fresh until cancelled (see HEARTBEAT_SECONDS)."""
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        try:
            async with app.ctx.sessions() as db:
                await db.execute(
                    update(InboundMessage)
                    .where(InboundMessage.id == message_id, InboundMessage.status == InboundState.PROCESSING)
                    .values(processed_at=datetime.now(UTC))
                    .execution_options(synchronize_session=False)
                )
                await db.commit()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the database is away for a moment: the next beat tries again
            log.warning("inbound message %s: claim not renewed (%s)", message_id, type(error).__name__)


async def _run_turn(
    app: Sanic,
    message_id: int,
    cid: str,
    kind: str,
    text: str,
    attempts: int,
    channel: str,
    sender: str,
    buttons: list[Button],
) -> bool:
    sessions = app.ctx.sessions
    if kind == "media":  # files by MMS or Telegram: stored as documents, no bot turn
        from backend.channels import media

        return await media.handle(app, message_id, cid, text, channel)
    first_try = kind == "message" and attempts == 1  # a retry after a failure is not a new turn
    if first_try and not await _within_turn_limit(app, message_id, cid, channel, sender):
        return True
    try:
        if kind == "resume":
            replies = await gateway.resume_pending_intent(app, cid)
        else:
            if channel == "sms":
                text = sms_text.resolve_option(text, buttons)
            replies = await gateway.handle_citizen_message(app, cid, text)
        async with sessions() as db:
            conversation = await db.get(Conversation, cid)
            if conversation is not None:
                await send_replies(db, conversation, replies)
            row = await db.get(InboundMessage, message_id)
            assert row is not None
            row.status = InboundState.DONE
            await db.commit()
    except Exception as error:
        log.exception("inbound message %s failed (attempt %s)", message_id, attempts)
        async with sessions() as db:
            row = await db.get(InboundMessage, message_id)
            if row is not None:
                row.status = InboundState.QUEUED if attempts < MAX_ATTEMPTS else InboundState.FAILED
                row.error = type(error).__name__
                await db.commit()
    return True


async def _within_turn_limit(app: Sanic, message_id: int, cid: str, channel: str, sender: str) -> bool:
    """At most `inbound_turns_per_minute` bot turns per phone number or chat. Over it the message is
    dropped without a turn; only the first one dropped in the window gets the "too many messages"
    reply, so a flood never becomes a flood of replies."""
    hit = await limits.hit(app, limits.inbound_turns(app.ctx.settings), f"{channel}:{sender}")
    if hit.allowed:
        return True
    async with app.ctx.sessions() as db:
        row = await db.get(InboundMessage, message_id)
        if row is not None:
            row.status, row.error = InboundState.DROPPED, "rate_limited"
        conversation = await db.get(Conversation, cid)
        if hit.first_refused and conversation is not None:
            language = effective_language(conversation, app.ctx.settings.default_language)
            await send_replies(db, conversation, [BotMessage(translate(language, texts.TOO_MANY_MESSAGES))])
        await db.commit()
    log.info("inbound message %s dropped: over the %s turn limit", message_id, channel)
    return False


async def requeue_stale(db: AsyncSession, now: datetime) -> None:
    """A message left in `processing` by a crashed instance is tried again."""
    await db.execute(
        update(InboundMessage)
        .where(
            InboundMessage.status == InboundState.PROCESSING, InboundMessage.processed_at < now - STALE_AFTER
        )
        .values(status=InboundState.QUEUED)
        .execution_options(synchronize_session=False)
    )
    await db.commit()


async def run_once(app: Sanic) -> int:
    async with app.ctx.sessions() as db:
        ids = await due_ids(db)
    results = await asyncio.gather(*(process(app, i) for i in ids))
    return sum(results)


async def _loop(app: Sanic) -> None:
    async def sweep() -> None:
        async with app.ctx.sessions() as db:
            await requeue_stale(db, datetime.now(UTC))

    await repeat(
        "inbound worker",
        lambda: run_once(app),
        sweep=sweep,
        sweep_every=SWEEP_EVERY_SECONDS,
        idle=IDLE_SECONDS,
    )


async def start(app: Sanic) -> None:
    app.ctx.inbound_task = start_loop(app, _loop, "inbound-worker")


async def stop(app: Sanic) -> None:
    await stop_loop(getattr(app.ctx, "inbound_task", None))
