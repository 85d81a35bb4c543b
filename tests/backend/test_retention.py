"""The daily purge applies the whole retention policy: data of every kind, made through the product's
own services at several ages, then `inissiaq purge`; every table is checked for what must be gone
and what must stay.

The ages are made by moving every stored time of the data made so far back (the audit log excepted:
nobody may change it; test_audit_chain.py covers its purge). Rasa's events are saved by Rasa's own
SQLTrackerStore (tests/backend/rasa_tracker.py) into its `events` table in the test database, as
under `make run` with PostgreSQL; no Rasa server and model are started for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import DateTime, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.applications.login import create_link
from backend.audit_chain import verify
from backend.auth import sessions as web_sessions
from backend.auth.login import on_login
from backend.channels.binding import bind_phone
from backend.channels.inbound import record_handled, send_replies
from backend.channels.types import BotMessage
from backend.cli import main
from backend.clients.base import Outgoing
from backend.config import Settings
from backend.conversations.service import append_message, create_conversation
from backend.inbox.applications import take_over
from backend.inbox.auth import send_sms_code
from backend.messaging.service import caseworker_writes, change_contact, citizen_writes
from backend.models import Base
from backend.models.applications import Application, Draft
from backend.models.caseworkers import LoginCode
from backend.models.conversations import ChatMessage, Conversation, WebSession
from backend.models.messaging import ContactPreference, Notification, SecureMessage, Thread
from backend.models.outbox import InboundMessage, LinkToken, OptOut, OutboxAttempt, OutboxMessage
from backend.models.states import OutboxState
from backend.outbox import worker
from backend.outbox.service import enqueue, opt_out, record_delivery_report
from backend.tracker_events import events
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    MALIK,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker
from tests.backend.rasa_tracker import save_conversations

PHONES = {MALIK: "+299551111", KARIN: "+299552222", AVIAJA: "+299553333"}


class AcceptingClient:
    """A provider that takes every message."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, message: Outgoing) -> str:
        self.sent += 1
        return f"provider-{message.to}-{self.sent}"

    async def close(self) -> None:
        return None


@dataclass
class Made:
    """What one person's activity left, by kind: conversation ids, the application, texts."""

    conversations: list[str] = field(default_factory=list)
    application: str | None = None
    draft_ids: list[str] = field(default_factory=list)


@pytest.fixture
async def tracker_settings(
    engine: AsyncEngine, settings: Settings, database_url: str
) -> AsyncIterator[Settings]:
    yield replace(settings, rasa_tracker_url=database_url)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: events.drop(sync, checkfirst=True))


async def age(engine: AsyncEngine, by: timedelta) -> None:
    """Move every stored time (but the audit log's) back: what exists now is `by` older."""
    async with engine.begin() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in ("audit_log", "audit_chain_head"):
                continue
            columns = {c.name: c - by for c in table.columns if isinstance(c.type, DateTime)}
            if columns:
                await connection.execute(table.update().values(columns))


async def deliver_outbox(sessions: async_sessionmaker[AsyncSession]) -> None:
    """The worker sends every queued message; Twilio reports each SMS delivered."""
    clients = {channel: AcceptingClient() for channel in ("sms", "email", "telegram")}
    while await worker.run_once(sessions, clients, retry_base=0):
        pass
    async with sessions() as db:
        sms = (await db.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms"))).scalars().all()
        for message in sms:
            if message.provider_id and message.status == OutboxState.SENT:
                await record_delivery_report(db, provider_id=message.provider_id, provider_status="delivered")
        await db.commit()


async def citizen_activity(
    db: AsyncSession, settings: Settings, cpr: str, *, apply: bool, take_over_by: object = None
) -> Made:
    """A logged-in web conversation with its transcript and (if `apply`) an application; a bound
    SMS conversation with an inbound text and the bot's reply; secure messages both ways with their
    notification; contact data."""
    made = Made()
    session, _ = await web_sessions.start_anonymous(db, settings)
    login = await on_login(db, session, cpr, settings=settings)
    await db.commit()
    web = login.conversation
    made.conversations.append(web.id)
    await append_message(db, web.id, sender="citizen", text=f"web text {cpr}")
    await append_message(db, web.id, sender="bot", text=f"bot answer {cpr}")
    await db.commit()
    draft = await create_draft(db, web, settings)
    made.draft_ids.append(draft.draft.id)
    if apply:
        submission = await submit_draft(db, web, draft.draft.id, settings, phone=PHONES[cpr])
        made.application = submission.application.reference
        if take_over_by is not None:
            await take_over(db, f"caseworker:{take_over_by.id}", made.application, settings)  # type: ignore[attr-defined]
    sms = await bind_phone(db, cpr, PHONES[cpr], settings, actor="caseworker:cli")
    made.conversations.append(sms.id)
    await record_handled(
        db,
        provider="twilio",
        external_id=f"SM-{cpr}",
        channel="sms",
        sender=PHONES[cpr],
        text=f"inbound {cpr}",
    )
    await send_replies(db, sms, [BotMessage(text=f"sms reply {cpr}")])
    await db.commit()
    await change_contact(db, cpr, phone=PHONES[cpr], channels=["sms"], changed_by="citizen", actor="citizen")
    caseworker_id = getattr(take_over_by, "id", None) or (await create_caseworker(db, username=f"cw{cpr}")).id
    await caseworker_writes(
        db,
        caseworker_id=caseworker_id,
        cpr=cpr,
        application_reference=None,
        text=f"to {cpr}",
        settings=settings,
    )
    await citizen_writes(db, cpr, f"from {cpr}")
    return made


async def count(db: AsyncSession, model: type, *where: object) -> int:
    return int((await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def test_the_purge_removes_and_redacts_what_the_policy_no_longer_allows_and_keeps_the_rest(
    db: AsyncSession,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    tracker_settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = tracker_settings
    await seed_registers(db)
    caseworker = await create_caseworker(db, username="cw-old", phone="+299550000")

    # 800 days old: Malik's application, taken over into the case system, and all around it.
    malik = await citizen_activity(db, settings, MALIK, apply=True, take_over_by=caseworker)
    await deliver_outbox(sessions)
    await opt_out(db, "sms", PHONES[MALIK])
    await db.commit()
    await age(engine, timedelta(days=800))

    # 40 days old: Karin's open application and an unsent draft; an anonymous chat.
    karin = await citizen_activity(db, settings, KARIN, apply=True)
    unsent = Made()  # Karin's draft of the month before, never sent, in another conversation
    session, _ = await web_sessions.start_anonymous(db, settings)
    second_login = await on_login(db, session, KARIN, settings=settings)
    await db.commit()
    unsent.conversations.append(second_login.conversation.id)
    month_before = datetime.now(UTC) - timedelta(days=31)
    unsent.draft_ids.append(
        (await create_draft(db, second_login.conversation, settings, now=month_before)).draft.id
    )
    anonymous, _ = await web_sessions.start_anonymous(db, settings)
    await append_message(db, anonymous.conversation_id, sender="citizen", text="anonymous question")
    await db.commit()
    await deliver_outbox(sessions)
    await age(engine, timedelta(days=40))

    # 3 hours old: a browser session, a one-time link, a caseworker's SMS login code.
    brief_session, _ = await web_sessions.start_anonymous(db, settings)
    link_conversation = await create_conversation(db, channel="sms", address="+299554444")
    await create_link(db, link_conversation, settings)
    await enqueue(
        db,
        channel="sms",
        to="+299550000",
        text=f"Inissiaq: {await send_sms_code(db, caseworker)}",
        kind="login_code",
    )
    await db.commit()
    await deliver_outbox(sessions)
    await age(engine, timedelta(hours=3))

    # Now: Aviaja, an unsent draft, everything fresh.
    aviaja = await citizen_activity(db, settings, AVIAJA, apply=False)
    await create_link(db, await db.get(Conversation, aviaja.conversations[1]), settings)
    await db.commit()
    await deliver_outbox(sessions)

    now = datetime.now(UTC).timestamp()
    tracker_ages = {
        malik.conversations[0]: now - 800 * 86400,
        karin.conversations[0]: now - 40 * 86400,
        anonymous.conversation_id: now - 40 * 86400,
        brief_session.conversation_id: now - 3 * 3600,
        aviaja.conversations[0]: now,
    }
    await asyncio.to_thread(
        save_conversations,
        database_url,
        {
            cid: {"at": at, "text": f"said in {cid}", "slot_value": "+299 55 12 34", "reply": "Qujanaq"}
            for cid, at in tracker_ages.items()
        },
    )

    monkeypatch.setenv("DATABASE_URL", database_url)
    for name, value in tracker_env(database_url).items():
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(main, ["purge"]) == 0
    printed = dict(line.split() for line in capsys.readouterr().out.strip().splitlines())
    db.expunge_all()

    # Applications and drafts: the processed one after 730 days; an unsent draft after 30.
    assert [a.reference for a in (await db.execute(select(Application))).scalars()] == [karin.application]
    remaining_drafts = set((await db.execute(select(Draft.id))).scalars())
    assert remaining_drafts == {karin.draft_ids[0], aviaja.draft_ids[0]}
    assert printed["applications"] == "1" and printed["drafts"] == "1"  # Karin's unsent one

    # Conversations: gone when idle past 30 days and nothing refers to them; transcripts with them.
    kept = set((await db.execute(select(Conversation.id))).scalars())
    assert karin.conversations[0] in kept  # her open application was made there
    assert {brief_session.conversation_id, link_conversation.id, *aviaja.conversations} <= kept
    gone = {*malik.conversations, karin.conversations[1], anonymous.conversation_id, *unsent.conversations}
    assert not gone & kept
    transcript = set((await db.execute(select(ChatMessage.text))).scalars())
    assert transcript == {
        f"web text {KARIN}",
        f"bot answer {KARIN}",
        f"web text {AVIAJA}",
        f"bot answer {AVIAJA}",
    }
    assert printed["conversations"] == "5"

    # Rasa's tracker events: only conversations active within 30 days keep theirs.
    async with engine.connect() as connection:
        senders = set((await connection.execute(select(events.c.sender_id).distinct())).scalars())
    assert senders == {brief_session.conversation_id, aviaja.conversations[0]}
    assert printed["rasa_events"] == str(3 * 4)

    # Sessions and links that can never be presented again.
    assert set((await db.execute(select(WebSession.conversation_id))).scalars()) == {aviaja.conversations[0]}
    assert [link.conversation_id for link in (await db.execute(select(LinkToken))).scalars()] == [
        aviaja.conversations[1]
    ]
    assert await count(db, LoginCode) == 0

    # Secure messages, threads and notifications: after 730 days.
    assert set((await db.execute(select(SecureMessage.text))).scalars()) == {
        f"to {KARIN}",
        f"from {KARIN}",
        f"to {AVIAJA}",
        f"from {AVIAJA}",
    }
    assert set((await db.execute(select(Thread.person_cpr))).scalars()) == {KARIN, AVIAJA}
    assert set((await db.execute(select(Notification.person_cpr))).scalars()) == {KARIN, AVIAJA}

    # Outbox: Malik's records gone (and their attempts); texts past 7 days (a login code past its
    # validity) blank, their delivery record kept; fresh texts kept.
    outbox = (await db.execute(select(OutboxMessage))).scalars().all()
    assert PHONES[MALIK] not in {m.recipient for m in outbox}
    assert await count(db, OutboxAttempt, OutboxAttempt.message_id.not_in([m.id for m in outbox])) == 0
    by_recipient = {(m.recipient, m.kind): m for m in outbox}
    karin_reply = by_recipient[(PHONES[KARIN], "bot_reply")]
    assert (karin_reply.text, karin_reply.status, karin_reply.provider_id is not None) == (
        "",
        OutboxState.DELIVERED,
        True,
    )
    assert by_recipient[("+299550000", "login_code")].text == ""
    assert by_recipient[(PHONES[AVIAJA], "bot_reply")].text == f"sms reply {AVIAJA}"
    assert all(m.text == "" for m in outbox if m.recipient == PHONES[KARIN])

    # Inbound SMS: Malik's gone; Karin's text blank, the row kept (it recognises a late retry); fresh kept.
    inbound = {m.external_id: m for m in (await db.execute(select(InboundMessage))).scalars()}
    assert set(inbound) == {f"SM-{KARIN}", f"SM-{AVIAJA}"}
    assert inbound[f"SM-{KARIN}"].text == "" and inbound[f"SM-{AVIAJA}"].text == f"inbound {AVIAJA}"

    # Kept until changed or asked: contact data and opt-outs.
    assert await count(db, ContactPreference) == 3
    assert await count(db, OptOut) == 1

    # Every kind the purge touched is printed; the audit log is intact.
    for kind in (
        "outbox_texts_redacted",
        "inbound_texts_redacted",
        "outbox_messages",
        "inbound_messages",
        "link_tokens",
        "web_sessions",
        "messages",
        "notifications",
        "audit_entries",
    ):
        assert kind in printed
    assert printed["outbox_texts_redacted"] == "3" and printed["inbound_texts_redacted"] == "1"
    assert (await verify(db)).intact
    assert (
        await db.execute(text("SELECT count(*) FROM audit_log WHERE action = 'history_purged'"))
    ).scalar() == 1


def tracker_env(database_url: str) -> dict[str, str]:
    """The RASA_TRACKER_* variables naming the test database, as scripts/stack.py sets them."""
    rest = database_url.split("://", 1)[1]
    credentials, _, location = rest.rpartition("@")
    hostport, _, database = location.partition("/")
    host, _, port = hostport.partition(":")
    user, _, password = credentials.partition(":")
    return {
        "RASA_TRACKER_DIALECT": "postgresql",
        "RASA_TRACKER_URL": host,
        "RASA_TRACKER_PORT": port or "5432",
        "RASA_TRACKER_DB": database,
        "RASA_TRACKER_USERNAME": user,
        "RASA_TRACKER_PASSWORD": password,
    }
