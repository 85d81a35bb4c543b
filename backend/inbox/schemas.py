"""Request and response models of the caseworker API (/api/caseworker).

Requests (`Body`, `Query`) reject unknown fields and wrong types with a 400 naming the field; responses
(`Answer`) are closed too, so an answer that drifts from its description fails the tests instead of
surprising a case system. The handlers in `backend/inbox/api.py` read and answer with these models;
`backend/inbox/openapi.py` builds the description from them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from backend.models.states import ApplicationStatus, ConversationOwner, Decision, TaskState


class Body(BaseModel):
    """A JSON request body."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Query(BaseModel):
    """Query parameters (strings from the URL, converted where a field says so)."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """A JSON answer."""

    model_config = ConfigDict(extra="forbid")


class AnyObject(Body):
    """Any JSON object (for routes that check their fields in the service)."""

    model_config = ConfigDict(extra="allow")


Language = Literal["kl", "da", "sv"]
Role = Literal["caseworker", "administrator"]


# --- session -----------------------------------------------------------------------------------


class LoginRequest(Body):
    """Password and TOTP, or password and an SMS code; or `method: sms` to have a code sent first."""

    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=1000)
    totp: str | None = Field(default=None, max_length=20)
    sms_code: str | None = Field(default=None, max_length=20)
    method: Literal["sms", "totp"] | None = None


class Caseworker(Answer):
    """A caseworker's account."""

    id: int
    username: str
    display_name: str
    role: Role
    email: str | None
    phone: str | None
    designated_for_digest: bool
    active: bool


class LoginResult(Answer):
    """Logged in: the session cookie is set; send `csrf_token` in X-CSRF-Token on unsafe requests."""

    caseworker: Caseworker
    csrf_token: str
    expires_at: str


class CodeSent(Answer):
    """A login code went to the caseworker's phone; log in again with it as `sms_code`."""

    status: Literal["code_sent"]


class LoggedOut(Answer):
    """The session is ended and its cookie cleared."""

    status: Literal["logged_out"]


class Me(Answer):
    """The logged-in caseworker and the session's CSRF token."""

    caseworker: Caseworker
    csrf_token: str


class OpenApiDocument(Answer):
    """This description (OpenAPI 3.1)."""

    model_config = ConfigDict(extra="allow")

    openapi: str


# --- applications ------------------------------------------------------------------------------


class ApplicationFilter(Query):
    """`filter` lists; `q` searches instead (a CPR number with or without dash, a birth date ddmmyy or
    dd-mm-yyyy, a name, a reference or a phone number; audited): the answer is then a SearchResult."""

    filter: Literal["new", "mine", "taken_over", "all"] = "all"
    q: str | None = Field(default=None, max_length=100)


class ApplicationSummary(Answer):
    """An application in a list, with the flags for the caseworker's attention."""

    reference: str
    name: str | None
    cpr_masked: str
    period: str
    status: ApplicationStatus
    submitted_at: str | None
    language: str
    channel: str
    assigned_caseworker_id: int | None
    opened_at: str | None
    taken_over_at: str | None
    decision: Decision | None
    decided_on: str | None
    case_reference: str | None
    flags: list[str]


class ApplicationList(Answer):
    """Applications, newest first."""

    filter: str
    applications: list[ApplicationSummary]


class Confirmations(Answer):
    dwelling: bool
    household: bool


class ContactPreference(Answer):
    channels: list[str]
    phone: str | None
    email: str | None
    changed_by: str | None
    changed_at: str | None


class Contact(Answer):
    application_phone: str | None
    preference: ContactPreference | None


class TranscriptLine(Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    from_: str = Field(alias="from")
    text: str
    at: str | None


class HistoryEntry(Answer):
    at: str | None
    actor: str
    action: str
    details: dict[str, Any] | None


class NotificationStep(Answer):
    channel: str
    status: str
    at: str | None


class Message(Answer):
    """A secure message, with its notification and the fallbacks that followed it."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    id: int
    thread_id: int
    application_reference: str | None
    from_: Literal["citizen", "caseworker"] = Field(alias="from")
    caseworker_id: int | None
    text: str
    sent_at: str | None
    read_at: str | None
    journaled: bool
    notifications: list[NotificationStep]


class TimelineEntry(Answer):
    """One status change: when, who (`caseworker:<id>`, `client:<name>`, `citizen`, `system`), and
    for a decision its details."""

    status: ApplicationStatus
    at: str
    actor: str
    decision: Decision | None
    decided_on: str | None
    case_reference: str | None


class AttachmentRecord(Answer):
    """A document the citizen sent: checked by content (PDF, JPEG, PNG), stored encrypted; `scan_state`
    is `clean` (ClamAV found nothing) or `not_scanned` (no scanner configured)."""

    id: str
    filename: str
    content_type: Literal["application/pdf", "image/jpeg", "image/png"]
    size: int
    received_at: str | None
    pages: int | None
    channel: str
    scan_state: Literal["clean", "not_scanned"]
    request_id: int | None


class DocumentRequestRecord(Answer):
    """A caseworker's request for documents; `fulfilled_at` when the first document arrived."""

    id: int
    text: str
    requested_by: int
    requested_at: str | None
    fulfilled_at: str | None


class DocumentRequestBody(Body):
    """What the citizen is asked to send (sent to them as a secure message): `kind` puts a ready-made
    request (the lease; payslips for the last three months) in the citizen's language before `text`;
    at least one of the two."""

    text: str | None = Field(default=None, max_length=4000)
    kind: Literal["lease", "payslips"] | None = None


class DocumentRequested(Answer):
    """The request as recorded; the application now waits for the citizen."""

    id: int
    application_reference: str
    message_id: int | None
    requested_at: str | None
    status: ApplicationStatus


class Note(Answer):
    """A journal note; `application_reference` is null for a note on the person."""

    id: int
    text: str
    application_reference: str | None
    caseworker: str | None
    created_at: str | None


class Task(Answer):
    """A follow-up task; `overdue` when open after its due day (Greenland time)."""

    id: int
    application_reference: str
    due: str
    text: str
    state: TaskState
    overdue: bool
    caseworker_id: int
    caseworker: str | None
    created_at: str | None
    completed_at: str | None
    completed_by: str | None


class ApplicationDetail(ApplicationSummary):
    """Everything about one application: snapshot, confirmations, corrections, register data as it is
    now, contact, transcript, history and the messages with the citizen."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    snapshot: dict[str, Any]
    confirmations: Confirmations
    corrections: list[dict[str, Any]]
    register_: dict[str, Any] = Field(alias="register")
    contact: Contact
    transcript: list[TranscriptLine]
    history: list[HistoryEntry]
    timeline: list[TimelineEntry]
    notes: list[Note]
    tasks: list[Task]
    messages: list[Message]
    attachments: list[AttachmentRecord]
    document_requests: list[DocumentRequestRecord]


class AssignRequest(Body):
    """The caseworker to assign, or null for the shared queue."""

    caseworker_id: int | None


class Assigned(Answer):
    """The application's assignment now."""

    reference: str
    assigned_caseworker_id: int | None


class JournaledMessage(Answer):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    from_: str = Field(alias="from")
    text: str
    sent_at: str | None
    read_at: str | None


class Export(Answer):
    """The application for the case system, with the journaled messages (`format`:
    inissiaq-application/1)."""

    format: Literal["inissiaq-application/1"]
    reference: str
    cpr: str
    period: str
    status: ApplicationStatus
    submitted_at: str | None
    language: str
    channel: str
    phone: str | None
    snapshot: dict[str, Any]
    confirmations: Confirmations
    corrections: list[dict[str, Any]]
    taken_over_at: str | None
    taken_over_by: str | None
    decision: Decision | None
    decided_on: str | None
    journaled_messages: list[JournaledMessage]
    attachments: list[AttachmentRecord]
    notes: list[Note]


class TakenOver(Answer):
    """Taken over into the case system, with the export."""

    reference: str
    status: ApplicationStatus
    taken_over_at: str | None
    taken_over_by: str
    export: Export
    export_json_url: str
    export_pdf_url: str


class DecisionRequest(Body):
    """The decision, its date, and the case system's own reference for the case (optional)."""

    decision: Decision
    decided_on: date
    case_reference: str | None = Field(default=None, min_length=1, max_length=64)


class Decided(Answer):
    """The decision as recorded."""

    reference: str
    status: ApplicationStatus
    decision: Decision | None
    decided_on: str | None
    case_reference: str | None


class StatusRequest(Body):
    """The status to move to: `received` (the case system or a caseworker has it) or `taken_over`."""

    status: Literal[ApplicationStatus.RECEIVED, ApplicationStatus.TAKEN_OVER]


class StatusChanged(Answer):
    """The application's status now."""

    reference: str
    status: ApplicationStatus


# --- secure messages ---------------------------------------------------------------------------


class MessageRequest(Body):
    """To a person (`cpr`) or about an application (`application_reference`): one of the two."""

    cpr: str | None = Field(default=None, max_length=20)
    application_reference: str | None = Field(default=None, max_length=40)
    text: str = Field(min_length=1, max_length=10_000)


class MessageSent(Answer):
    """The message is stored; the citizen gets one neutral notification."""

    id: int
    thread_id: int
    sent_at: str | None


class MessagesQuery(Query):
    cpr: str | None = Field(default=None, max_length=20)
    application_reference: str | None = Field(default=None, max_length=40)


class MessageList(Answer):
    """Every message with the person, oldest first."""

    messages: list[Message]


class Journaled(Answer):
    """The message now belongs in its application's export."""

    id: int
    journaled: bool


class ThreadFilter(Query):
    filter: Literal["unanswered", "all"] = "unanswered"


class ThreadSummary(Answer):
    thread_id: int
    name: str | None
    cpr_masked: str
    application_reference: str | None
    last_from: Literal["citizen", "caseworker"]
    last_at: str | None
    unread: int


class ThreadList(Answer):
    """Threads, newest activity first."""

    filter: str
    threads: list[ThreadSummary]


class ThreadDetail(Answer):
    """A thread's citizen, every message with them and every journal note on them (`notes`: on the
    person and on their applications, oldest first)."""

    thread_id: int
    name: str | None
    cpr_masked: str
    application_reference: str | None
    contact: ContactPreference | None
    messages: list[Message]
    notes: list[Note]


class CannedQuery(Query):
    language: Language | None = None


class CannedText(Answer):
    id: int
    language: Language
    title: str
    text: str


class CannedTexts(Answer):
    """Canned texts by language and title."""

    canned_texts: list[CannedText]


# --- live handoff ------------------------------------------------------------------------------


class LiveConversation(Answer):
    conversation_id: str
    owner: ConversationOwner
    owner_caseworker_id: int | None
    channel: str
    language: str | None
    authenticated: bool
    since: str | None


class LiveQueue(Answer):
    """Conversations waiting for a person, oldest first, and those people have now."""

    conversations: list[LiveConversation]


class LiveTranscript(Answer):
    """The conversation's recent messages, oldest first."""

    messages: list[TranscriptLine]


class LiveOwner(Answer):
    """Who has the conversation now."""

    conversation_id: str
    owner: ConversationOwner
    owner_caseworker_id: int | None = None


class LiveWrite(Body):
    text: str = Field(min_length=1, max_length=10_000)


class Created(Answer):
    """Created."""

    id: int


# --- administration ----------------------------------------------------------------------------


class CaseworkerList(Answer):
    """Every caseworker account."""

    caseworkers: list[Caseworker]


class NewCaseworker(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=10, max_length=1000)
    role: Role = "caseworker"
    display_name: str = Field(default="", max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    designated_for_digest: bool = False


class CreatedCaseworker(Caseworker):
    """The new account and its TOTP secret, shown this once for an authenticator app."""

    totp_secret: str


class CaseworkerChanges(Body):
    """Only the fields sent are changed."""

    role: Role | None = None
    display_name: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    password: str | None = Field(default=None, min_length=10, max_length=1000)
    designated_for_digest: bool | None = None
    active: bool | None = None


class RoutingRule(Answer):
    """Applications of people born between `from` and `to` (dd.mm) go to the caseworker."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, serialize_by_alias=True)

    id: int
    from_: str = Field(alias="from")
    to: str
    caseworker_id: int


class RoutingRules(Answer):
    """Routing rules by CPR birthday."""

    rules: list[RoutingRule]


class NewRoutingRule(Body):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    from_: str = Field(alias="from", pattern=r"^\d{1,2}\.\d{1,2}$")
    to: str = Field(pattern=r"^\d{1,2}\.\d{1,2}$")
    caseworker_id: int


class NewCannedText(Body):
    language: Language
    title: str = Field(min_length=1, max_length=120)
    text: str = Field(min_length=1, max_length=10_000)


class Deleted(Answer):
    """Deleted."""

    deleted: int


class AuditQuery(Query):
    actor: str | None = Field(default=None, max_length=100)
    action: str | None = Field(default=None, max_length=100)
    cpr: str | None = Field(default=None, max_length=20)
    reference: str | None = Field(default=None, max_length=40)
    since: str | None = Field(default=None, max_length=40, description="ISO date or date-time")
    until: str | None = Field(default=None, max_length=40, description="ISO date or date-time")


class AuditEntry(Answer):
    id: int
    at: str | None
    actor: str
    action: str
    person_cpr: str | None
    application_reference: str | None
    details: dict[str, Any] | None


class AuditLog(Answer):
    """Audit entries, newest first (reading the log is itself audited)."""

    entries: list[AuditEntry]


class OutboxQuery(Query):
    status: str | None = Field(default=None, max_length=20)


class OutboxEntry(Answer):
    id: int
    channel: str
    subject: str | None
    kind: str | None
    status: str
    attempts: int
    error: str | None
    provider_id: str | None
    created_at: str | None


class OutboxList(Answer):
    """Outbound messages, without their text or recipient (they may be personal)."""

    messages: list[OutboxEntry]


class EventsQuery(Query):
    max_events: int | None = Field(default=None, ge=1, le=1000)


# --- phone bindings ----------------------------------------------------------------------------


class BindRequest(Body):
    """The caseworker checked the person's identity in person."""

    cpr: str = Field(min_length=1, max_length=20)
    phone: str = Field(min_length=1, max_length=30)


class Bound(Answer):
    """The phone number speaks for the person until `bound_until`."""

    phone: str
    bound_until: str | None


class UnbindRequest(Body):
    channel: Literal["sms", "telegram"]
    address: str = Field(min_length=1, max_length=64)


class Unbound(Answer):
    """How many bindings were removed."""

    unbound: int
