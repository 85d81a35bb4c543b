"""Everything the service holds about one person, for a subject-access request (GDPR art. 15): a JSON
record and a PDF with the same content.

The person's data is found by CPR number (applications, drafts, threads, notifications, contact data,
audit entries, outbox messages) and through the conversations that are theirs: bound to them by a
login, or where one of their drafts or applications was made. Those conversations bring their
transcripts, inbound SMS/Telegram texts, web sessions, one-time links and Rasa's tracker events.
An anonymous conversation never tied to the person is not theirs to export.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications.status import caseworker_timeline, timeline
from backend.config import Settings
from backend.documents.service import person_records as documents_of_person
from backend.errors import Forbidden
from backend.inbox.casework import notes_of_person, tasks_of_person
from backend.messaging.service import contact_record, message_record, messages_of
from backend.models.applications import Application, Draft
from backend.models.audit import AuditEntry
from backend.models.caseworkers import Caseworker
from backend.models.conversations import ChatMessage, Conversation, WebSession
from backend.models.messaging import ContactPreference, Notification
from backend.models.outbox import InboundMessage, LinkToken, OptOut, OutboxMessage
from backend.pdf import PdfDocument
from backend.tracker_events import events_of

FORMAT = "inissiaq-person/1"


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()


async def export_person(
    db: AsyncSession, settings: Settings, cpr: str, *, actor: str = "cli"
) -> dict[str, Any]:
    """The whole record of one person; the export is audited. Commits."""
    applications = list(
        (await db.execute(select(Application).where(Application.person_cpr == cpr).order_by(Application.id)))
        .scalars()
        .all()
    )
    drafts = list(
        (await db.execute(select(Draft).where(Draft.person_cpr == cpr).order_by(Draft.created_at, Draft.id)))
        .scalars()
        .all()
    )
    references = [application.reference for application in applications]
    conversations = await _conversations(db, cpr, [*applications, *drafts])
    conversation_ids = [conversation.id for conversation in conversations]
    audit_entries = await _audit_entries(db, cpr, references)
    contact = await db.get(ContactPreference, cpr)
    record = {
        "format": FORMAT,
        "cpr": cpr,
        "exported_at": iso(datetime.now(UTC)),
        "contact": contact_record(contact),
        "applications": [await _application(db, a, audit_entries) for a in applications],
        "drafts": [_draft(draft, applications) for draft in drafts],
        "conversations": await _conversation_records(db, conversations),
        "assistant_events": await events_of(settings, conversation_ids),
        "inbound_messages": await _inbound(db, conversation_ids),
        "web_sessions": await _web_sessions(db, cpr, conversation_ids),
        "link_tokens": await _link_tokens(db, conversation_ids),
        "secure_messages": [message_record(m, thread) for m, thread in await messages_of(db, cpr)],
        "journal_notes": await notes_of_person(db, cpr),
        "tasks": await tasks_of_person(db, cpr),
        # "attachments" (metadata only: the files stay encrypted) and "document_requests"
        **await documents_of_person(db, cpr),
        "notifications": await _notifications(db, cpr),
        "outbox_messages": await _outbox(db, cpr, conversation_ids),
        "opt_outs": await _opt_outs(db, _addresses(conversations, applications, contact)),
        "audit_entries": [_audit_record(entry) for entry in audit_entries],
    }
    await audit.record(
        db,
        actor=actor,
        action="person_exported",
        person_cpr=cpr,
        details={name: len(value) for name, value in record.items() if isinstance(value, list)},
    )
    await db.commit()
    return record


async def export_for_administrator(
    db: AsyncSession, settings: Settings, cpr: str, username: str
) -> dict[str, Any]:
    """The export on behalf of the administrator `username`, audited with them as the actor. Anyone
    else (unknown, deactivated, or a caseworker without the administrator role) is refused with
    Forbidden, and the refusal is audited. Commits."""
    name = username.strip().lower()
    found = await db.execute(select(Caseworker).where(Caseworker.username == name))
    administrator = found.scalars().first()
    if administrator is None or not administrator.active or not administrator.is_admin:
        await audit.record(
            db, actor="cli", action="person_export_refused", person_cpr=cpr, details={"by": name[:64]}
        )
        await db.commit()
        raise Forbidden(f"{name[:64]!r} is not an active administrator", code="not_an_administrator")
    return await export_person(db, settings, cpr, actor=f"caseworker:{administrator.id}")


async def _conversations(
    db: AsyncSession, cpr: str, made_in: Iterable[Application | Draft]
) -> list[Conversation]:
    logged_in = select(WebSession.conversation_id).where(WebSession.person_cpr == cpr)
    query = select(Conversation).where(
        or_(
            Conversation.person_cpr == cpr,
            Conversation.id.in_({item.conversation_id for item in made_in}),
            Conversation.id.in_(logged_in),
        )
    )
    return list((await db.execute(query.order_by(Conversation.created_at, Conversation.id))).scalars().all())


async def _audit_entries(db: AsyncSession, cpr: str, references: list[str]) -> list[AuditEntry]:
    about = AuditEntry.person_cpr == cpr
    if references:
        about = or_(about, AuditEntry.application_reference.in_(references))
    return list((await db.execute(select(AuditEntry).where(about).order_by(AuditEntry.id))).scalars().all())


def _audit_record(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "application_reference": entry.application_reference,
        "details": entry.details,
    }


async def _application(
    db: AsyncSession, application: Application, entries: list[AuditEntry]
) -> dict[str, Any]:
    taken_over_by = await db.get(Caseworker, application.taken_over_by) if application.taken_over_by else None
    return {
        "reference": application.reference,
        "period": application.period,
        "status": application.status,
        "decision": application.decision,
        "decided_on": application.decided_on.isoformat() if application.decided_on else None,
        "case_reference": application.case_reference,
        "timeline": caseworker_timeline(await timeline(db, application.id)),
        "submitted_at": iso(application.submitted_at),
        "language": application.language,
        "channel": application.channel,
        "phone": application.phone_e164,
        "register_snapshot": application.snapshot,
        "confirmations": {
            "dwelling": application.dwelling_confirmed,
            "household": application.household_confirmed,
        },
        "corrections": application.corrections,
        "opened_at": iso(application.opened_at),
        "taken_over_at": iso(application.taken_over_at),
        "taken_over_by": taken_over_by.username if taken_over_by else None,
        "history": [
            {"at": iso(e.at), "actor": e.actor, "action": e.action, "details": e.details}
            for e in entries
            if e.application_reference == application.reference
        ],
    }


def _draft(draft: Draft, applications: list[Application]) -> dict[str, Any]:
    submitted_as = next((a.reference for a in applications if a.draft_id == draft.id), None)
    return {
        "reference": draft.reference,
        "period": draft.period,
        "created_at": iso(draft.created_at),
        "submitted_as": submitted_as,
        "last_step": draft.last_step,
        "last_step_at": iso(draft.last_step_at),
        "answers": draft.answers,
        "register_snapshot": draft.snapshot,
    }


async def _conversation_records(db: AsyncSession, conversations: list[Conversation]) -> list[dict[str, Any]]:
    records = []
    for conversation in conversations:
        messages = await db.execute(
            select(ChatMessage)
            .where(ChatMessage.conversation_id == conversation.id)
            .order_by(ChatMessage.created_at, ChatMessage.id)
        )
        records.append(
            {
                "id": conversation.id,
                "channel": conversation.channel,
                "address": conversation.channel_address,
                "language": conversation.language,
                "owner": conversation.owner,
                "created_at": iso(conversation.created_at),
                "updated_at": iso(conversation.updated_at),
                "bound_until": iso(conversation.bound_until),
                "messages": [
                    {
                        "from": m.sender,
                        "text": m.text,
                        "at": iso(m.created_at),
                        "application_reference": m.application_reference,
                    }
                    for m in messages.scalars().all()
                ],
            }
        )
    return records


async def _inbound(db: AsyncSession, conversation_ids: list[str]) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(InboundMessage)
        .where(InboundMessage.conversation_id.in_(conversation_ids))
        .order_by(InboundMessage.id)
    )
    return [
        {
            "conversation_id": m.conversation_id,
            "channel": m.channel,
            "sender": m.sender,
            "sender_name": m.sender_name,
            "text": m.text,
            "status": m.status,
            "received_at": iso(m.received_at),
        }
        for m in rows.scalars().all()
    ]


async def _web_sessions(db: AsyncSession, cpr: str, conversation_ids: list[str]) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(WebSession)
        .where(or_(WebSession.person_cpr == cpr, WebSession.conversation_id.in_(conversation_ids)))
        .order_by(WebSession.created_at)
    )
    return [
        {
            "conversation_id": s.conversation_id,
            "logged_in": s.person_cpr == cpr,
            "created_at": iso(s.created_at),
            "authenticated_at": iso(s.authenticated_at),
            "expires_at": iso(s.expires_at),
        }
        for s in rows.scalars().all()
    ]


async def _link_tokens(db: AsyncSession, conversation_ids: list[str]) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(LinkToken)
        .where(LinkToken.conversation_id.in_(conversation_ids))
        .order_by(LinkToken.created_at)
    )
    return [
        {
            "conversation_id": t.conversation_id,
            "channel": t.channel,
            "address": t.address,
            "created_at": iso(t.created_at),
            "expires_at": iso(t.expires_at),
            "used_at": iso(t.used_at),
        }
        for t in rows.scalars().all()
    ]


async def _notifications(db: AsyncSession, cpr: str) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(Notification).where(Notification.person_cpr == cpr).order_by(Notification.id)
    )
    return [
        {
            "id": n.id,
            "channel": n.channel,
            "language": n.language,
            "status": n.status,
            "fallback_of": n.fallback_of,
            "created_at": iso(n.created_at),
            "updated_at": iso(n.updated_at),
        }
        for n in rows.scalars().all()
    ]


async def _outbox(db: AsyncSession, cpr: str, conversation_ids: list[str]) -> list[dict[str, Any]]:
    rows = await db.execute(
        select(OutboxMessage)
        .where(or_(OutboxMessage.person_cpr == cpr, OutboxMessage.conversation_id.in_(conversation_ids)))
        .order_by(OutboxMessage.id)
    )
    return [
        {
            "id": m.id,
            "channel": m.channel,
            "recipient": m.recipient,
            "kind": m.kind,
            "subject": m.subject,
            "text": m.text,
            "status": m.status,
            "created_at": iso(m.created_at),
            "sent_at": iso(m.sent_at),
            "final_at": iso(m.final_at),
        }
        for m in rows.scalars().all()
    ]


def _addresses(
    conversations: list[Conversation], applications: list[Application], contact: ContactPreference | None
) -> set[tuple[str, str]]:
    """The person's phone numbers and chats, as the opt-out list names them."""
    addresses = {(c.channel, c.channel_address) for c in conversations if c.channel_address}
    addresses |= {("sms", a.phone_e164) for a in applications if a.phone_e164}
    if contact is not None and contact.phone_e164:
        addresses.add(("sms", contact.phone_e164))
    return addresses


async def _opt_outs(db: AsyncSession, addresses: set[tuple[str, str]]) -> list[dict[str, Any]]:
    if not addresses:
        return []
    rows = await db.execute(
        select(OptOut).where(tuple_(OptOut.channel, OptOut.address).in_(sorted(addresses)))
    )
    return [
        {"channel": o.channel, "address": o.address, "created_at": iso(o.created_at)}
        for o in rows.scalars().all()
    ]


# --- PDF ---------------------------------------------------------------------------------------


def export_pdf(record: dict[str, Any]) -> bytes:
    """The record as a readable PDF, section by section, in the order of the JSON."""
    document = PdfDocument()
    line, heading = document.line, document.heading
    heading(f"Personal data held by Inissiaq about CPR {record['cpr']}", size=14)
    line("Exported", record["exported_at"])
    heading("Contact data")
    contact = record["contact"] or {}
    line("Phone", contact.get("phone"))
    line("E-mail", contact.get("email"))
    line("Channels", ", ".join(contact.get("channels") or []))
    heading("Applications")
    for application in record["applications"]:
        line("Application", f"{application['reference']} ({application['period']}), {application['status']}")
        line(
            "Submitted",
            f"{application['submitted_at']} by {application['channel']}, phone {application['phone']}",
        )
        _snapshot(line, application["register_snapshot"])
        for correction in application["corrections"] or []:
            line(f"Correction ({correction.get('section')})", correction.get("text"))
        if application["decision"]:
            line("Decision", f"{application['decision']} {application['decided_on']}")
        for event in application["history"]:
            line(f"  {event['at']}", f"{event['action']} ({event['actor']})")
    heading("Drafts")
    for draft in record["drafts"]:
        line("Draft", f"{draft['reference']} ({draft['period']}), started {draft['created_at']}")
        line("Answers", ", ".join(f"{k}: {v}" for k, v in (draft["answers"] or {}).items()) or "-")
        _snapshot(line, draft["register_snapshot"])
    heading("Conversations with the assistant")
    for conversation in record["conversations"]:
        line(
            "Conversation",
            f"{conversation['channel']} {conversation['address'] or ''}, {conversation['created_at']}",
        )
        for message in conversation["messages"]:
            line(f"  {message['at']} {message['from']}", message["text"])
    heading("Assistant's stored conversation events")
    for event in record["assistant_events"]:
        data = event["data"] if isinstance(event["data"], dict) else {}
        shown = data.get("text") or data.get("name") or event["action"] or event["intent"] or ""
        value = f" = {data.get('value')}" if event["type"] == "slot" else ""
        line(f"  {event['at']} {event['type']}", f"{shown}{value}")
    heading("SMS and Telegram messages received")
    for message in record["inbound_messages"]:
        line(f"  {message['received_at']} {message['channel']} {message['sender']}", message["text"])
    heading("Secure messages")
    for message in record["secure_messages"]:
        line(f"  {message['sent_at']} {message['from']}", message["text"])
    heading("Caseworkers' journal notes")
    for note in record["journal_notes"]:
        line(f"  {note['created_at']} {note['application_reference'] or ''}", note["text"])
    heading("Caseworkers' follow-up tasks")
    for task in record["tasks"]:
        line(f"  {task['due']} {task['application_reference']} ({task['state']})", task["text"])
    heading("Documents sent (the files themselves are not part of this export)")
    for attachment in record["attachments"]:
        line(
            f"  {attachment['received_at']} {attachment['channel']} {attachment['application_reference'] or ''}",
            f"{attachment['filename']} ({attachment['content_type']}, {attachment['size']} bytes)",
        )
    heading("Documents requested")
    for request in record["document_requests"]:
        line(f"  {request['requested_at']} {request['application_reference']}", request["text"])
    heading("Notifications")
    for notification in record["notifications"]:
        line(f"  {notification['created_at']} {notification['channel']}", notification["status"])
    heading("Messages sent (SMS, Telegram, e-mail)")
    for message in record["outbox_messages"]:
        line(f"  {message['created_at']} {message['channel']} {message['recipient']}", message["text"])
    heading("Web sessions")
    for session in record["web_sessions"]:
        line(f"  {session['created_at']}", f"logged in: {session['authenticated_at'] or 'no'}")
    heading("One-time login links")
    for link in record["link_tokens"]:
        line(
            f"  {link['created_at']} {link['channel']} {link['address']}", f"used: {link['used_at'] or 'no'}"
        )
    heading("Opt-outs")
    for opt_out in record["opt_outs"]:
        line(f"  {opt_out['created_at']} {opt_out['channel']}", opt_out["address"])
    heading("Audit log entries about this person")
    for entry in record["audit_entries"]:
        line(
            f"  {entry['at']}", f"{entry['action']} ({entry['actor']}) {entry['application_reference'] or ''}"
        )
    return document.output()


def _snapshot(line: Any, snapshot: dict[str, Any] | None) -> None:
    snapshot = snapshot or {}
    tenant, dwelling = snapshot.get("tenant") or {}, snapshot.get("dwelling") or {}
    line("Register: name", tenant.get("name"))
    line("Register: address", dwelling.get("address") or tenant.get("address"))
    line("Register: rent per month", dwelling.get("rent_monthly"))
    line("Register: household", ", ".join(m.get("name", "") for m in snapshot.get("household") or []))
