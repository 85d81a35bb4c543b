"""`inissiaq person export`: every kind of data about one person, as JSON and a PDF, and nobody else's."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.applications.login import create_link
from backend.auth import sessions
from backend.auth.login import on_login
from backend.channels.binding import bind_phone
from backend.channels.inbound import record_handled, send_replies
from backend.channels.types import BotMessage
from backend.cli import main
from backend.config import Settings
from backend.conversations.service import append_message
from backend.documents.service import receive, request_documents
from backend.inbox.admin import update_caseworker
from backend.messaging.service import caseworker_writes, change_contact, citizen_writes
from backend.models.audit import AuditEntry
from backend.models.caseworkers import Caseworker
from backend.outbox.service import opt_out
from backend.tracker_events import events
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.documents.samples import png
from tests.backend.inbox.factories import create_caseworker
from tests.backend.rasa_tracker import save_conversations

AVIAJA_PHONE, KARIN_PHONE = "+299551234", "+299557777"


@pytest.fixture
async def tracker_store(
    engine: AsyncEngine, settings: Settings, database_url: str, tmp_path: Path
) -> AsyncIterator[Settings]:
    """Rasa's tracker store in the test database, as under `make run` with PostgreSQL (the events
    table is made by Rasa's own SQLTrackerStore when the conversations are saved); the documents in the
    test's own directory."""
    yield replace(settings, rasa_tracker_url=database_url, documents_dir=tmp_path / "documents")
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: events.drop(sync, checkfirst=True))


async def person_with_every_kind_of_data(
    db: AsyncSession, engine: AsyncEngine, settings: Settings, cpr: str, phone: str, tag: str
) -> None:
    """Applications, drafts, a logged-in web conversation and its transcript, a bound SMS conversation
    with inbound texts and bot replies, a one-time link, a request for documents and the document sent
    for it, secure messages both ways with their notification, contact data, an opt-out and Rasa's
    tracker events; all through the services."""
    caseworker = await create_caseworker(db, username=f"cw-{tag}")
    session, _ = await sessions.start_anonymous(db, settings)
    login = await on_login(db, session, cpr, settings=settings)
    await db.commit()
    web = login.conversation
    await append_message(db, web.id, sender="citizen", text=f"citizen text {tag}")
    await append_message(db, web.id, sender="bot", text=f"bot text {tag}")
    await db.commit()
    submitted = await create_draft(db, web, settings)
    application = (await submit_draft(db, web, submitted.draft.id, settings, phone=phone)).application
    await request_documents(
        db,
        settings,
        caseworker_id=caseworker.id,
        reference=application.reference,
        text=f"send the lease {tag}",
    )
    await receive(
        db, settings, cpr=cpr, data=png(), filename=f"lease-{tag}.png", channel="web", conversation_id=web.id
    )
    await create_draft(db, web, settings, now=datetime(2027, 3, 2, 12, tzinfo=UTC))  # unsent, next period
    sms = await bind_phone(db, cpr, phone, settings, actor="caseworker:cli")
    await create_link(db, sms, settings)
    await record_handled(
        db, provider="twilio", external_id=f"SM-{tag}", channel="sms", sender=phone, text=f"HELP {tag}"
    )
    await send_replies(db, sms, [BotMessage(text=f"sms reply {tag}", buttons=[])])
    await db.commit()
    await change_contact(
        db,
        cpr,
        phone=phone,
        email=f"{tag}@example.gl",
        channels=["sms", "email"],
        changed_by="citizen",
        actor="citizen",
    )
    await caseworker_writes(
        db,
        caseworker_id=caseworker.id,
        cpr=cpr,
        application_reference=None,
        text=f"caseworker wrote {tag}",
        settings=settings,
    )
    await citizen_writes(db, cpr, f"citizen wrote {tag}")
    await opt_out(db, "sms", phone)
    await db.commit()
    await asyncio.to_thread(
        save_conversations,
        settings.rasa_tracker_url,
        {
            web.id: {
                "at": datetime.now(UTC).timestamp(),
                "text": f"rasa heard {tag}",
                "slot_value": f"slot value {tag}",
                "reply": "Qujanaq",
            }
        },
    )


async def test_the_export_holds_every_kind_of_data_about_the_person_and_nothing_about_another(
    db: AsyncSession,
    engine: AsyncEngine,
    tracker_store: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = tracker_store
    await seed_registers(db)
    await create_caseworker(db, username="admin", role="administrator")
    await person_with_every_kind_of_data(db, engine, settings, AVIAJA, AVIAJA_PHONE, "aviaja")
    await person_with_every_kind_of_data(db, engine, settings, KARIN, KARIN_PHONE, "karin")

    record = await export_with_tracker(tmp_path, monkeypatch, settings, capsys)

    assert record["cpr"] == AVIAJA
    assert record["contact"]["email"] == "aviaja@example.gl"
    [application] = record["applications"]
    assert application["register_snapshot"]["tenant"]["name"]
    assert {"application_submitted"} <= {event["action"] for event in application["history"]}
    assert sorted(d["submitted_as"] is None for d in record["drafts"]) == [False, True]
    assert all(d["register_snapshot"] for d in record["drafts"])
    texts = {m["text"] for c in record["conversations"] for m in c["messages"]}
    assert {"citizen text aviaja", "bot text aviaja"} <= texts
    assert {c["channel"] for c in record["conversations"]} == {"web", "sms"}
    assert [m["text"] for m in record["inbound_messages"]] == ["HELP aviaja"]
    event_texts = {str(e["data"].get("text") or e["data"].get("value")) for e in record["assistant_events"]}
    assert {"rasa heard aviaja", "slot value aviaja", "Qujanaq"} <= event_texts
    assert {e["type"] for e in record["assistant_events"]} == {"action", "user", "slot", "bot"}
    assert record["web_sessions"] and record["web_sessions"][0]["logged_in"]
    assert [link["address"] for link in record["link_tokens"]] == [AVIAJA_PHONE]
    assert {m["text"] for m in record["secure_messages"]} == {
        "send the lease aviaja",
        "caseworker wrote aviaja",
        "citizen wrote aviaja",
    }
    [request] = record["document_requests"]
    assert (request["text"], request["application_reference"]) == (
        "send the lease aviaja",
        application["reference"],
    )
    assert request["fulfilled_at"] is not None
    [document] = record["attachments"]
    assert (document["filename"], document["content_type"], document["channel"]) == (
        "lease-aviaja.png",
        "image/png",
        "web",
    )
    assert (document["application_reference"], document["request_id"]) == (
        application["reference"],
        request["id"],
    )
    assert len(document["sha256"]) == 64 and document["size"] > 0
    assert record["notifications"] and record["notifications"][0]["channel"] == "sms"
    outbox_texts = {m["text"] for m in record["outbox_messages"]}
    assert "sms reply aviaja" in outbox_texts and len(outbox_texts) >= 2  # the reply and the notification
    assert record["opt_outs"] == [
        {"channel": "sms", "address": AVIAJA_PHONE, "created_at": record["opt_outs"][0]["created_at"]}
    ]
    actions = {entry["action"] for entry in record["audit_entries"]}
    assert {
        "citizen_login",
        "application_submitted",
        "channel_bound",
        "contact_changed",
        "message_sent",
    } <= actions

    everything = json.dumps(record, ensure_ascii=False)
    for foreign in (KARIN, KARIN_PHONE, "karin"):
        assert foreign not in everything

    exported = (
        (await db.execute(select(AuditEntry).where(AuditEntry.action == "person_exported"))).scalars().one()
    )
    administrator = await find(db, "admin")
    assert (exported.actor, exported.person_cpr) == (f"caseworker:{administrator.id}", AVIAJA)
    assert exported.details["applications"] == 1
    assert (exported.details["attachments"], exported.details["document_requests"]) == (1, 1)


async def export_with_tracker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings, capsys
) -> dict:  # type: ignore[no-untyped-def]
    """The CLI reads the tracker store from the RASA_TRACKER_* variables, as Rasa does."""
    url = settings.rasa_tracker_url.split("://", 1)[1]
    credentials, _, location = url.rpartition("@")
    hostport, _, database = location.partition("/")
    host, _, port = hostport.partition(":")
    for name, value in {
        "RASA_TRACKER_DIALECT": "postgresql",
        "RASA_TRACKER_URL": host,
        "RASA_TRACKER_PORT": port or "5432",
        "RASA_TRACKER_DB": database,
        "RASA_TRACKER_USERNAME": credentials.partition(":")[0],
        "RASA_TRACKER_PASSWORD": credentials.partition(":")[2],
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    out = tmp_path / "aviaja.json"
    status = await asyncio.to_thread(
        main, ["person", "export", "--cpr", AVIAJA, "--out", str(out), "--by", "admin"]
    )
    assert status == 0
    assert "exported to" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    pdf = out.with_suffix(".pdf")
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    for section in (
        "Contact data",
        "Applications",
        "Drafts",
        "Conversations with the assistant",
        "Assistant's stored conversation events",
        "SMS and Telegram messages received",
        "Secure messages",
        "Documents sent",
        "Documents requested",
        "Notifications",
        "Messages sent",
        "Web sessions",
        "One-time login links",
        "Opt-outs",
        "Audit log entries about this person",
    ):
        assert section in pdf_text, section
    assert "citizen wrote aviaja" in pdf_text and "rasa heard aviaja" in pdf_text
    assert "lease-aviaja.png" in pdf_text and "send the lease aviaja" in pdf_text
    assert "karin" not in pdf_text
    return json.loads(out.read_text("utf-8"))


async def test_a_cpr_number_that_is_not_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    status = await asyncio.to_thread(
        main, ["person", "export", "--cpr", "12345", "--out", str(tmp_path / "x.json"), "--by", "admin"]
    )
    assert status == 2
    assert "CPR" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


async def test_without_a_tracker_table_the_export_has_no_assistant_events(
    db: AsyncSession, settings: Settings
) -> None:
    from backend.persons.export import export_person

    await seed_registers(db)
    conversation = await create_conversation(db, cpr=AVIAJA)
    await append_message(db, conversation.id, sender="citizen", text="hello")
    await db.commit()
    record = await export_person(db, replace(settings, rasa_tracker_url=settings.database_url), AVIAJA)
    assert record["assistant_events"] == []
    assert [m["text"] for m in record["conversations"][0]["messages"]] == ["hello"]
    assert (
        await db.execute(text("SELECT count(*) FROM audit_log WHERE action = 'person_exported'"))
    ).scalar() == 1


async def find(db: AsyncSession, username: str) -> Caseworker:
    return (await db.execute(select(Caseworker).where(Caseworker.username == username))).scalars().one()


@pytest.mark.parametrize(
    "who",
    ["nobody", "pipaluk", "former-admin"],
    ids=["an unknown username", "a caseworker without the administrator role", "a deactivated administrator"],
)
async def test_an_export_by_anyone_but_an_active_administrator_is_refused_and_the_refusal_audited(
    db: AsyncSession,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    who: str,
) -> None:
    await seed_registers(db)
    await create_caseworker(db, username="admin", role="administrator")
    await create_caseworker(db, username="pipaluk")
    former = await create_caseworker(db, username="former-admin", role="administrator")
    await update_caseworker(db, former.id, {"active": False}, actor="cli")
    await create_conversation(db, cpr=AVIAJA)
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    out = tmp_path / "aviaja.json"

    status = await asyncio.to_thread(
        main, ["person", "export", "--cpr", AVIAJA, "--out", str(out), "--by", who]
    )

    assert status == 3
    assert f"'{who}' is not an active administrator" in capsys.readouterr().err
    assert not out.exists() and not out.with_suffix(".pdf").exists()
    db.expunge_all()
    assert (
        await db.execute(select(AuditEntry).where(AuditEntry.action == "person_exported"))
    ).first() is None
    refused = (
        (await db.execute(select(AuditEntry).where(AuditEntry.action == "person_export_refused")))
        .scalars()
        .one()
    )
    assert (refused.actor, refused.person_cpr, refused.details) == ("cli", AVIAJA, {"by": who})


async def test_an_export_without_the_administrator_is_refused_before_it_reads_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    with pytest.raises(SystemExit) as exited:
        main(["person", "export", "--cpr", AVIAJA, "--out", str(tmp_path / "x.json")])
    assert exited.value.code == 2
    assert "--by" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
