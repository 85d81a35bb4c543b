"""Request and response models of the caseworker API's notes, tasks, search and letters (the same
conventions as `backend/inbox/schemas.py`: closed requests and answers)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from backend.inbox.schemas import Answer, ApplicationSummary, Body, Language, Note, Query, Task
from backend.models.states import ApplicationStatus, TaskFilter

# --- journal notes -----------------------------------------------------------------------------


class NoteRequest(Body):
    text: str = Field(min_length=1, max_length=4000)


class PersonNoteRequest(Body):
    """A note on a person (not one application). The CPR number travels in the body, never the URL."""

    cpr: str = Field(min_length=10, max_length=11)
    text: str = Field(min_length=1, max_length=4000)


class PersonRequest(Body):
    cpr: str = Field(min_length=10, max_length=11)


class NoteList(Answer):
    notes: list[Note]


# --- tasks -------------------------------------------------------------------------------------


class TaskRequest(Body):
    """A follow-up on an application, due on a day (YYYY-MM-DD, Greenland time); for the caseworker
    themself unless `caseworker_id` names a colleague."""

    application_reference: str = Field(min_length=1, max_length=20)
    due: str = Field(min_length=10, max_length=10)
    text: str = Field(min_length=1, max_length=1000)
    caseworker_id: int | None = None


class TaskQuery(Query):
    mine: Literal["0", "1"] = "0"
    state: TaskFilter = TaskFilter.OPEN


class TaskList(Answer):
    tasks: list[Task]


# --- search ------------------------------------------------------------------------------------


class SearchRequest(Body):
    """A CPR number (with or without dash), birth date (ddmmyy or dd-mm-yyyy), name, reference or phone
    number."""

    q: str = Field(min_length=1, max_length=100)


class ThreadHit(Answer):
    id: int
    application_reference: str | None
    name: str | None
    cpr_masked: str
    updated_at: str | None


class SearchResult(Answer):
    """Applications (current and historical) and secure-message threads found; `keys` are the kinds
    of key the query was read as (cpr, birth_date, phone, reference, name)."""

    keys: list[str]
    applications: list[ApplicationSummary]
    threads: list[ThreadHit]


# --- letter templates --------------------------------------------------------------------------


class LetterTemplate(Answer):
    """A letter in one language; `fields` are the merge fields its body holds; `requests_documents`:
    sending it asks the citizen for documents (a document request is recorded)."""

    id: int
    key: str
    language: Language
    title: str
    body: str
    fields: list[str]
    requests_documents: bool
    updated_at: str | None


class LetterTemplates(Answer):
    templates: list[LetterTemplate]


class LetterTemplateQuery(Query):
    language: Language | None = None


class NewLetterTemplate(Body):
    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    language: Language
    title: str = Field(min_length=1, max_length=120)
    body: str = Field(min_length=1, max_length=4000)
    requests_documents: bool = False


class LetterTemplateChanges(Body):
    key: str | None = Field(default=None, pattern=r"^[a-z0-9_]{1,40}$")
    language: Language | None = None
    title: str | None = Field(default=None, min_length=1, max_length=120)
    body: str | None = Field(default=None, min_length=1, max_length=4000)
    requests_documents: bool | None = None


class ComposeRequest(Body):
    """The template (by id, or by key in the citizen's language) and the values only the caseworker
    knows: `date` (YYYY-MM-DD, e.g. a deadline) and free `text`."""

    template_id: int | None = None
    key: str | None = Field(default=None, max_length=40)
    date: str | None = Field(default=None, max_length=10)
    text: str | None = Field(default=None, max_length=2000)


class Letter(Answer):
    """The draft in the citizen's language; `missing` names the merge fields still in it;
    `requests_documents`: sending it records a document request."""

    template_id: int
    key: str
    language: Language
    title: str
    requests_documents: bool
    text: str
    missing: list[str]


class SendLetterRequest(Body):
    """The (edited) letter; refused with `unfilled_merge_fields` while it holds a merge field."""

    text: str = Field(min_length=1, max_length=4000)
    template_id: int | None = None


class LetterSent(Answer):
    """The secure message sent; `document_request_id` when the template asks for documents (the
    application's `status` is then waiting_for_citizen, unless it was taken over)."""

    id: int
    thread_id: int
    sent_at: str | None
    document_request_id: int | None
    status: ApplicationStatus
