"""The daily purge applies the whole retention policy: data of every kind, made through the product's
own services at several ages, then `inissiaq purge`; every table of the metadata is checked for what
must be gone and what must stay (`EXPECTATIONS` names each one; a table added without an entry there
fails `test_every_table_has_an_expectation_in_the_retention_test`).

The ages are made by moving every stored time of the data made so far back (the audit log excepted:
nobody may change it, so its old entries are written with their old time). Rasa's events are saved by
Rasa's own SQLTrackerStore (tests/backend/rasa_tracker.py) into its `events` table in the test
database, as under `make run` with PostgreSQL; tests/e2e/test_retention.py has a real Rasa write them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyotp
import pytest
from sqlalchemy import DateTime, func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.applications.login import create_link
from backend.audit_chain import PURGE_ACTION, verify
from backend.auth import sessions as web_sessions
from backend.auth.login import on_login
from backend.channels.binding import bind_phone
from backend.channels.inbound import record_handled, send_replies
from backend.channels.types import BotMessage
from backend.cli import main
from backend.clients.base import Outgoing, TemporaryFailure
from backend.config import Settings
from backend.conversations.service import append_message, create_conversation
from backend.dao.audit import dao_create_audit_entry
from backend.dao.oidc_logins import dao_create_oidc_login
from backend.documents.service import receive, request_documents
from backend.documents.storage import FilesystemStorage
from backend.errors import Unauthorized
from backend.inbox.admin import create_canned, create_rule
from backend.inbox.applications import take_over
from backend.inbox.auth import complete_login, send_sms_code, verify_credentials
from backend.inbox.casework import add_application_note, add_person_note, create_task
from backend.inbox.letters import create_template
from backend.limits.storage import DatabaseCounters
from backend.machine.clients import create_client, issue_token, set_webhook
from backend.messaging.service import caseworker_writes, change_contact, citizen_writes
from backend.models import Base
from backend.models.applications import Application, Draft
from backend.models.audit import AuditChainHead, AuditEntry
from backend.models.casework import CaseTask, JournalNote
from backend.models.caseworkers import Caseworker, CaseworkerSession, LoginCode, LoginThrottle
from backend.models.conversations import ChatMessage, Conversation, WebSession
from backend.models.documents import Attachment, DocumentRequest
from backend.models.limits import RateLimitCounter
from backend.models.machine_clients import ApplicationChange, MachineToken
from backend.models.messaging import Notification, SecureMessage, Thread
from backend.models.oidc import OidcLogin
from backend.models.outbox import InboundMessage, LinkToken, OutboxAttempt, OutboxMessage, RecipientHold
from backend.models.scheduling import JobRun
from backend.models.states import OutboxState
from backend.models.status_events import StatusEvent
from backend.outbox import worker
from backend.outbox.service import enqueue, opt_out, record_delivery_report
from backend.scheduler import send_digest
from backend.tracker_events import events
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    MALIK,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.documents.samples import png
from tests.backend.inbox.factories import SECRET, create_caseworker
from tests.backend.rasa_tracker import save_conversations

PHONES = {MALIK: "+299551111", KARIN: "+299552222", AVIAJA: "+299553333"}
CHATS = {MALIK: "7001", KARIN: "7002", AVIAJA: "7003"}  # Telegram chat ids
HELD_CHAT = CHATS[AVIAJA]  # Telegram answers 429 for this chat: its message waits, the chat is held
OLD_AUDIT_ENTRIES = 3
HISTORY_CUTOFF = timedelta(days=730)


class AcceptingClient:
    """A provider that takes every message, except that Telegram holds one chat back for ten minutes."""

    def __init__(self) -> None:
        self.sent = 0

    async def send(self, message: Outgoing) -> str:
        if message.channel == "telegram" and message.to == HELD_CHAT:
            raise TemporaryFailure("429 Too Many Requests", retry_after=600)
        self.sent += 1
        return f"provider-{message.to}-{self.sent}"

    async def close(self) -> None:
        return None


@dataclass
class Made:
    """What one person's activity left: conversation ids (web, SMS, Telegram), the application and its
    id, the drafts, the documents."""

    conversations: list[str] = field(default_factory=list)
    application: str | None = None
    application_id: int | None = None
    draft_ids: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)


@dataclass
class Stage:
    """What one age left that is not one person's: ids of the outbox and inbound rows made in it, the
    caseworker who worked then, the machine client that took a token, the job slot, the failed-login
    and abuse-limit keys."""

    tag: str
    caseworker_id: int = 0
    token_client: str = ""
    throttle_keys: set[str] = field(default_factory=set)
    outbox_ids: set[int] = field(default_factory=set)
    inbound_ids: set[int] = field(default_factory=set)
    oidc_state: str = ""


@dataclass
class World:
    """Everything the test made, and what the purge printed and left."""

    settings: Settings
    documents: Path
    malik: Made
    karin: Made
    aviaja: Made
    unsent: Made
    anonymous: str
    brief_session: str
    link_conversation: str
    stages: dict[str, Stage]
    counters: dict[str, str]  # abuse-limit key by stage
    fixed: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)  # rows the purge must not touch
    printed: dict[str, str] = field(default_factory=dict)


@pytest.fixture
async def tracker_settings(
    engine: AsyncEngine, settings: Settings, database_url: str, tmp_path: Path
) -> AsyncIterator[Settings]:
    yield replace(settings, rasa_tracker_url=database_url, documents_dir=tmp_path / "documents")
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


async def ids_after(db: AsyncSession, column: Any, seen: set[int]) -> set[int]:
    return set((await db.execute(select(column))).scalars()) - seen


async def deliver_outbox(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, stage: Stage, seen: dict[str, set[int]]
) -> None:
    """The worker sends every queued message (through the providers' shared rate limiter); Twilio reports
    each SMS delivered. The stage's outbox and inbound rows are noted."""
    client = AcceptingClient()
    clients = dict.fromkeys(("sms", "email", "telegram", "webhook"), client)
    limiter = worker.RateLimiter(sessions, worker.GLOBAL_RATE)
    while await worker.run_once(sessions, clients, limiter=limiter, retry_base=0):  # type: ignore[arg-type]
        pass
    async with sessions() as db:
        sms = (await db.execute(select(OutboxMessage).where(OutboxMessage.channel == "sms"))).scalars().all()
        for message in sms:
            if message.provider_id and message.status == OutboxState.SENT:
                await record_delivery_report(db, provider_id=message.provider_id, provider_status="delivered")
        await db.commit()
        stage.outbox_ids = await ids_after(db, OutboxMessage.id, seen["outbox"])
        stage.inbound_ids = await ids_after(db, InboundMessage.id, seen["inbound"])
    seen["outbox"] |= stage.outbox_ids
    seen["inbound"] |= stage.inbound_ids


async def citizen_activity(
    db: AsyncSession,
    settings: Settings,
    cpr: str,
    *,
    caseworker: Caseworker,
    apply: bool,
    hand_over: bool = False,
) -> Made:
    """A logged-in web conversation with its transcript, a document sent before any application, and
    (if `apply`) an application with a request for documents, the document, a journal note and a task
    (taken over into the case system if `hand_over`); a note on the person; a bound SMS conversation
    and a Telegram chat, each with an inbound text and the bot's reply; secure messages both ways with
    their e-mail notification; contact data."""
    made = Made()
    session, _ = await web_sessions.start_anonymous(db, settings)
    login = await on_login(db, session, cpr, settings=settings)
    await db.commit()
    web = login.conversation
    made.conversations.append(web.id)
    await append_message(db, web.id, sender="citizen", text=f"web text {cpr}")
    await append_message(db, web.id, sender="bot", text=f"bot answer {cpr}")
    await db.commit()
    early = await receive(
        db, settings, cpr=cpr, data=png(), filename="early.png", channel="web", conversation_id=web.id
    )
    made.attachments.append(early.id)
    draft = await create_draft(db, web, settings)
    made.draft_ids.append(draft.draft.id)
    if apply:
        submission = await submit_draft(db, web, draft.draft.id, settings, phone=PHONES[cpr])
        made.application = submission.application.reference
        made.application_id = submission.application.id
        await request_documents(
            db, settings, caseworker_id=caseworker.id, reference=made.application, text=f"lease please {cpr}"
        )
        lease = await receive(
            db,
            settings,
            cpr=cpr,
            data=png(colour="blue"),
            filename="lease.png",
            channel="web",
            conversation_id=web.id,
        )
        made.attachments.append(lease.id)
        await add_application_note(db, caseworker, made.application, f"application note {cpr}")
        await create_task(
            db,
            caseworker,
            settings,
            reference=made.application,
            due=(datetime.now(UTC) + timedelta(days=7)).date().isoformat(),
            text=f"task {cpr}",
        )
        if hand_over:
            await take_over(db, f"caseworker:{caseworker.id}", made.application, settings)
    await add_person_note(db, caseworker, cpr, f"person note {cpr}")
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
    handled = await record_handled(
        db,
        provider="telegram",
        external_id=f"TG-{cpr}",
        channel="telegram",
        sender=CHATS[cpr],
        text=f"telegram {cpr}",
    )
    assert handled is not None
    made.conversations.append(handled[1].id)
    await send_replies(db, handled[1], [BotMessage(text=f"telegram reply {cpr}")])
    await db.commit()
    await change_contact(
        db,
        cpr,
        phone=PHONES[cpr],
        email=f"{cpr}@example.gl",
        channels=["email"],
        changed_by="citizen",
        actor="citizen",
    )
    await caseworker_writes(
        db,
        caseworker_id=caseworker.id,
        cpr=cpr,
        application_reference=None,
        text=f"to {cpr}",
        settings=settings,
    )
    await citizen_writes(db, cpr, f"from {cpr}")
    return made


async def service_activity(db: AsyncSession, settings: Settings, stage: Stage, *, number: int) -> None:
    """What the service itself keeps at one age: the stage's caseworker logs in (a session), a
    citizen's eID login is in flight, a machine client takes a token, someone fails to log in, and the
    day's digest runs (its job row; an e-mail when applications wait)."""
    caseworker = await db.get(Caseworker, stage.caseworker_id)
    assert caseworker is not None
    await complete_login(db, caseworker, settings, "192.0.2.1", totp=pyotp.TOTP(SECRET).now())
    stage.oidc_state = f"state-{stage.tag}"
    await dao_create_oidc_login(
        db,
        OidcLogin(
            state_hash=stage.oidc_state,
            nonce="nonce",
            code_verifier="verifier",
            session_token_hash="session",
            language="kl",
            expires_at=datetime.now(UTC) + timedelta(minutes=10),
        ),
    )
    await db.commit()
    client, secret = await create_client(
        db, name=f"system-{stage.tag}", scopes="applications:read", actor="cli"
    )
    stage.token_client = client.id
    await issue_token(
        db, client_id=client.id, client_secret=secret, scope=None, settings=settings, address="192.0.2.2"
    )
    address = f"198.51.100.{number}"
    with pytest.raises(Unauthorized):
        await verify_credentials(db, f"nobody-{stage.tag}", "wrong", settings, address)
    stage.throttle_keys = {f"user:nobody-{stage.tag}", f"ip:{address}"}
    await send_digest(db, settings, slot=stage.tag)


async def count(db: AsyncSession, model: type, *where: object) -> int:
    return int((await db.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def values(db: AsyncSession, column: Any, *where: object) -> set[Any]:
    return set((await db.execute(select(column).where(*where))).scalars())


# --- what must be gone and what must stay, per table ----------------------------------------------

Check = Callable[[AsyncSession, World], Awaitable[None]]


async def applications(db: AsyncSession, w: World) -> None:
    # The processed one after 730 days; the open one stays however old.
    assert await values(db, Application.reference) == {w.karin.application}
    assert w.printed["applications"] == "1"


async def drafts(db: AsyncSession, w: World) -> None:
    # The processed application's draft with it; an unsent draft after 30 days.
    assert await values(db, Draft.id) == {w.karin.draft_ids[0], w.aviaja.draft_ids[0]}
    assert w.printed["drafts"] == "1"  # Karin's unsent one


async def status_events(db: AsyncSession, w: World) -> None:
    assert await values(db, StatusEvent.application_id) == {w.karin.application_id}
    assert await count(db, StatusEvent, StatusEvent.application_id == w.malik.application_id) == 0


async def application_changes(db: AsyncSession, w: World) -> None:
    assert await values(db, ApplicationChange.reference) == {w.karin.application}


async def attachments(db: AsyncSession, w: World) -> None:
    # With their application; one tied to no application after 730 days; file and row.
    kept = {*w.karin.attachments, *w.aviaja.attachments}
    assert await values(db, Attachment.id) == kept
    storage = FilesystemStorage(w.documents)
    assert all(storage.path(key).exists() for key in kept)
    assert not any(storage.path(key).exists() for key in w.malik.attachments)
    assert w.printed["attachments"] == str(len(w.malik.attachments))


async def document_requests(db: AsyncSession, w: World) -> None:
    assert await values(db, DocumentRequest.application_reference) == {w.karin.application}
    assert await count(db, DocumentRequest) == 2  # at 40 days and now


async def journal_notes(db: AsyncSession, w: World) -> None:
    # With the application; a note on a person after 730 days.
    assert await values(db, JournalNote.text) == {
        f"application note {KARIN}",
        f"person note {KARIN}",
        f"person note {AVIAJA}",
    }


async def case_tasks(db: AsyncSession, w: World) -> None:
    assert await values(db, CaseTask.text) == {f"task {KARIN}"}


async def conversations(db: AsyncSession, w: World) -> None:
    # Gone when idle past 30 days and nothing refers to them.
    kept = await values(db, Conversation.id)
    assert w.karin.conversations[0] in kept  # her open application was made there
    assert {w.brief_session, w.link_conversation, *w.aviaja.conversations} <= kept
    gone = {*w.malik.conversations, *w.karin.conversations[1:], w.anonymous, *w.unsent.conversations}
    assert not gone & kept
    assert w.printed["conversations"] == str(len(gone))


async def chat_messages(db: AsyncSession, w: World) -> None:
    assert await values(db, ChatMessage.text) == {
        f"web text {KARIN}",
        f"bot answer {KARIN}",
        f"web text {AVIAJA}",
        f"bot answer {AVIAJA}",
    }


async def web_sessions_kept(db: AsyncSession, w: World) -> None:
    # A session whose cookie is gone, after its expiry plus its lifetime.
    assert await values(db, WebSession.conversation_id) == {w.aviaja.conversations[0]}


async def link_tokens(db: AsyncSession, w: World) -> None:
    assert await values(db, LinkToken.conversation_id) == {w.aviaja.conversations[1]}


async def oidc_logins(db: AsyncSession, w: World) -> None:
    assert await values(db, OidcLogin.state_hash) == {w.stages["now"].oidc_state}


async def caseworker_sessions(db: AsyncSession, w: World) -> None:
    assert await values(db, CaseworkerSession.caseworker_id) == {w.stages["now"].caseworker_id}
    assert w.printed["caseworker_sessions"] == "2"


async def login_codes(db: AsyncSession, w: World) -> None:
    assert await count(db, LoginCode) == 0  # the one sent 3 hours ago expired


async def login_throttle(db: AsyncSession, w: World) -> None:
    # A failed-login counter once its window ended.
    assert await values(db, LoginThrottle.key) == w.stages["now"].throttle_keys
    assert w.printed["login_throttle"] == "4"


async def rate_limit_counters(db: AsyncSession, w: World) -> None:
    assert await values(db, RateLimitCounter.key) == {w.counters["now"]}
    assert w.printed["rate_limit_counters"] == "2"


async def machine_tokens(db: AsyncSession, w: World) -> None:
    # An expired token, whether or not its client asked again.
    assert await values(db, MachineToken.client_id) == {w.stages["now"].token_client}
    assert w.printed["machine_tokens"] == "2"


async def secure_messages(db: AsyncSession, w: World) -> None:
    assert await values(db, SecureMessage.text) == {
        f"lease please {KARIN}",
        f"to {KARIN}",
        f"from {KARIN}",
        "lease again",
        f"to {AVIAJA}",
        f"from {AVIAJA}",
    }


async def threads(db: AsyncSession, w: World) -> None:
    assert await values(db, Thread.person_cpr) == {KARIN, AVIAJA}


async def notifications(db: AsyncSession, w: World) -> None:
    assert await values(db, Notification.person_cpr) == {KARIN, AVIAJA}
    assert "email" in await values(db, Notification.channel, Notification.person_cpr == AVIAJA)


async def outbox_messages(db: AsyncSession, w: World) -> None:
    # SMS, Telegram, e-mail and webhook records after 730 days; their texts after 7 days (a login
    # code after its 10 minutes of validity), the delivery record kept; a message still waiting to be
    # sent keeps its text however old.
    rows = {m.id: m for m in (await db.execute(select(OutboxMessage))).scalars()}
    old, month, hours, now = (w.stages[tag].outbox_ids for tag in ("800d", "40d", "3h", "now"))
    assert not old & set(rows)
    assert set(rows) == month | hours | now
    assert {rows[i].channel for i in month} == {"sms", "telegram", "email", "webhook"}
    for i in month | hours:
        message = rows[i]
        assert (message.text, message.subject, message.html, message.buttons) == ("", None, None, None)
        assert message.status in (OutboxState.DELIVERED, OutboxState.SENT) and message.provider_id
    assert [rows[i].kind for i in hours] == ["login_code"]
    assert {rows[i].channel for i in now} == {"sms", "telegram", "email", "webhook"}
    assert all(rows[i].text for i in now)
    [held] = [rows[i] for i in now if rows[i].recipient == HELD_CHAT]
    assert (held.status, held.text) == (OutboxState.CREATED, f"telegram reply {AVIAJA}")
    assert w.printed["outbox_messages"] == str(len(old))
    assert w.printed["outbox_texts_redacted"] == str(len(month | hours))


async def outbox_attempts(db: AsyncSession, w: World) -> None:
    assert await count(db, OutboxAttempt, OutboxAttempt.message_id.in_(w.stages["800d"].outbox_ids)) == 0
    assert await values(db, OutboxAttempt.message_id) >= w.stages["40d"].outbox_ids


async def recipient_holds(db: AsyncSession, w: World) -> None:
    # Telegram's per-chat pause after each message and the 429's hold: gone once ended.
    assert {(h.channel, h.recipient) for h in (await db.execute(select(RecipientHold))).scalars()} == {
        ("telegram", HELD_CHAT)
    }
    assert w.printed["recipient_holds"] == "2"  # Malik's and Karin's chats


async def inbound_messages(db: AsyncSession, w: World) -> None:
    # The record after 730 days (it recognises a provider's late retry); the text after 7 days.
    rows = {m.id: m for m in (await db.execute(select(InboundMessage))).scalars()}
    month, now = w.stages["40d"].inbound_ids, w.stages["now"].inbound_ids
    assert set(rows) == month | now
    assert {rows[i].channel for i in month} == {"sms", "telegram"}
    assert all(rows[i].text == "" and rows[i].sender_name is None for i in month)
    assert {rows[i].text for i in now} == {f"inbound {AVIAJA}", f"telegram {AVIAJA}"}
    assert w.printed["inbound_messages"] == "2" and w.printed["inbound_texts_redacted"] == "2"


async def job_runs(db: AsyncSession, w: World) -> None:
    assert await values(db, JobRun.slot) == {"40d", "now"}


async def audit_log(db: AsyncSession, w: World) -> None:
    # Oldest first, after 730 days, with an anchor entry; what is left still verifies.
    assert await count(db, AuditEntry, AuditEntry.at < datetime.now(UTC) - HISTORY_CUTOFF) == 0
    assert await count(db, AuditEntry, AuditEntry.action == "old_entry") == 0
    assert await count(db, AuditEntry, AuditEntry.action == PURGE_ACTION) == 1
    assert await count(db, AuditEntry, AuditEntry.action == "history_purged") == 1
    assert w.printed["audit_entries"] == str(OLD_AUDIT_ENTRIES)
    assert (await verify(db)).intact


async def audit_chain_head(db: AsyncSession, w: World) -> None:
    head = (await db.execute(select(AuditChainHead))).scalars().one()
    assert head.purge_up_to == OLD_AUDIT_ENTRIES
    assert head.last_id == await db.scalar(select(func.max(AuditEntry.id)))


def unchanged(table: str) -> Check:
    """Kept until someone changes it (accounts, rules, texts, registers, clients, contact data,
    opt-outs) or holding no personal data (the feed's and the rate limiter's counters)."""

    async def check(db: AsyncSession, w: World) -> None:
        rows = await fixed_rows(db, table)
        assert rows, f"{table}: the test made no rows"
        assert rows == w.fixed[table], table

    return check


async def fixed_rows(db: AsyncSession, table: str) -> list[tuple[Any, ...]]:
    columns = Base.metadata.tables[table]
    return [tuple(row) for row in (await db.execute(select(columns).order_by(*columns.primary_key))).all()]


UNCHANGED = (
    "caseworkers",
    "routing_rules",
    "canned_texts",
    "letter_templates",
    "register_persons",
    "register_tenancies",
    "machine_clients",
    "application_feed_head",
    "outbox_rate_slots",
    "contact_preferences",
    "opt_outs",
)

EXPECTATIONS: dict[str, Check] = {
    "applications": applications,
    "drafts": drafts,
    "application_status_events": status_events,
    "application_changes": application_changes,
    "attachments": attachments,
    "document_requests": document_requests,
    "journal_notes": journal_notes,
    "case_tasks": case_tasks,
    "conversations": conversations,
    "chat_messages": chat_messages,
    "web_sessions": web_sessions_kept,
    "link_tokens": link_tokens,
    "oidc_logins": oidc_logins,
    "caseworker_sessions": caseworker_sessions,
    "caseworker_login_codes": login_codes,
    "caseworker_login_throttle": login_throttle,
    "rate_limit_counters": rate_limit_counters,
    "machine_tokens": machine_tokens,
    "secure_messages": secure_messages,
    "message_threads": threads,
    "message_notifications": notifications,
    "outbox_messages": outbox_messages,
    "outbox_attempts": outbox_attempts,
    "outbox_recipient_holds": recipient_holds,
    "inbound_messages": inbound_messages,
    "job_runs": job_runs,
    "audit_log": audit_log,
    "audit_chain_head": audit_chain_head,
    **{table: unchanged(table) for table in UNCHANGED},
}


def test_every_table_has_an_expectation_in_the_retention_test() -> None:
    assert set(Base.metadata.tables) - set(EXPECTATIONS) == set(), "a table the retention test does not check"
    assert set(EXPECTATIONS) - set(Base.metadata.tables) == set(), "an expectation for a table that is gone"


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
    real_now = datetime.now(UTC)
    # The oldest entries of the audit log, written at their time (an audit entry cannot be changed).
    for number in range(OLD_AUDIT_ENTRIES):
        await dao_create_audit_entry(
            db, AuditEntry(actor="system", action="old_entry", at=real_now - timedelta(days=800 + number))
        )
    await db.commit()
    await seed_registers(db)
    seen: dict[str, set[int]] = {"outbox": set(), "inbound": set()}
    stages = {tag: Stage(tag) for tag in ("800d", "40d", "3h", "now")}
    for number, tag in enumerate(("800d", "40d", "now")):
        caseworker = await create_caseworker(
            db,
            username=f"cw-{number}",
            phone=f"+29955000{number}",
            email=f"cw{number}@kommune.gl",
            designated_for_digest=True,
        )
        stages[tag].caseworker_id = caseworker.id
    first = await db.get(Caseworker, stages["800d"].caseworker_id)
    assert first is not None
    await create_rule(db, start="01.01", end="31.12", caseworker_id=first.id, actor="cli")
    await create_canned(db, language="kl", title="Qujanaq", text="Qujanaq allakkavit.", actor="cli")
    await create_template(
        db, key="reminder", language="da", title="Påmindelse", body="Kære {name}", actor="cli"
    )
    case_system, _ = await create_client(db, name="case-system", scopes="applications:read", actor="cli")
    await set_webhook(db, case_system.id, "https://sag.kommune.gl/inissiaq", actor="cli")

    # 800 days old: Malik's application, taken over into the case system, and all around it.
    malik = await citizen_activity(db, settings, MALIK, caseworker=first, apply=True, hand_over=True)
    await service_activity(db, settings, stages["800d"], number=1)
    await opt_out(db, "sms", PHONES[MALIK])
    await db.commit()
    await deliver_outbox(sessions, settings, stages["800d"], seen)
    await age(engine, timedelta(days=800))

    # 40 days old: Karin's open application and an unsent draft; an anonymous chat.
    second = await db.get(Caseworker, stages["40d"].caseworker_id)
    assert second is not None
    karin = await citizen_activity(db, settings, KARIN, caseworker=second, apply=True)
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
    await service_activity(db, settings, stages["40d"], number=2)
    await deliver_outbox(sessions, settings, stages["40d"], seen)
    await age(engine, timedelta(days=40))

    # 3 hours old: a browser session, a one-time link, a caseworker's SMS login code.
    brief_session, _ = await web_sessions.start_anonymous(db, settings)
    link_conversation = await create_conversation(db, channel="sms", address="+299554444")
    await create_link(db, link_conversation, settings)
    code = await send_sms_code(db, second)
    await enqueue(db, channel="sms", to="+299550001", text=f"Inissiaq: {code}", kind="login_code")
    await db.commit()
    await deliver_outbox(sessions, settings, stages["3h"], seen)
    await age(engine, timedelta(hours=3))

    # Now: Aviaja with an unsent draft, another request for Karin's documents, everything fresh.
    third = await db.get(Caseworker, stages["now"].caseworker_id)
    assert third is not None
    aviaja = await citizen_activity(db, settings, AVIAJA, caseworker=third, apply=False)
    await create_link(db, await db.get(Conversation, aviaja.conversations[1]), settings)
    assert karin.application is not None
    await request_documents(
        db, settings, caseworker_id=third.id, reference=karin.application, text="lease again"
    )
    await service_activity(db, settings, stages["now"], number=3)
    await deliver_outbox(sessions, settings, stages["now"], seen)

    # Abuse-limit counters of windows at each age (their times are seconds since the epoch, not aged).
    limits = DatabaseCounters(SimpleNamespace(ctx=SimpleNamespace(sessions=sessions)))  # type: ignore[arg-type]
    counters = {}
    for tag, ago in (("800d", 800 * 86400), ("40d", 40 * 86400), ("now", 0)):
        at = int(time.time()) - ago
        counters[tag] = f"chat:{tag}"
        await limits.increment(counters[tag], at - at % 60, 60, at)

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

    world = World(
        settings=settings,
        documents=settings.documents_dir,
        malik=malik,
        karin=karin,
        aviaja=aviaja,
        unsent=unsent,
        anonymous=anonymous.conversation_id,
        brief_session=brief_session.conversation_id,
        link_conversation=link_conversation.id,
        stages=stages,
        counters=counters,
        fixed={table: await fixed_rows(db, table) for table in UNCHANGED},
    )
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DOCUMENTS_DIR", str(settings.documents_dir))
    for name, value in tracker_env(database_url).items():
        monkeypatch.setenv(name, value)
    assert await asyncio.to_thread(main, ["purge"]) == 0
    world.printed = dict(line.split() for line in capsys.readouterr().out.strip().splitlines())
    db.expunge_all()

    for table in sorted(Base.metadata.tables):
        await EXPECTATIONS[table](db, world)

    # Rasa's tracker events: only conversations active within 30 days keep theirs.
    async with engine.connect() as connection:
        senders = set((await connection.execute(select(events.c.sender_id).distinct())).scalars())
    assert senders == {brief_session.conversation_id, aviaja.conversations[0]}
    assert world.printed["rasa_events"] == str(3 * 4)


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
