"""The caseworker API's journal notes, follow-up tasks, search and letters from templates (under
/api/caseworker, the same session cookie and X-CSRF-Token rules as backend/inbox/api.py)."""

from __future__ import annotations

from sanic import Blueprint, Request
from sanic.response import JSONResponse

from backend.config import Settings
from backend.inbox import casework, letters, search
from backend.inbox import casework_schemas as cs
from backend.inbox.auth import authenticate
from backend.inbox.openapi import ADMIN, CASEWORKER, operation, read_body, read_query, reply
from backend.inbox.schemas import Deleted

bp = Blueprint("caseworker_casework_api", url_prefix="/api/caseworker")


def _settings(request: Request) -> Settings:
    return request.app.ctx.settings


# --- journal notes -----------------------------------------------------------------------------


@bp.post("/applications/<reference:str>/notes")
@operation(
    "Write a journal note on an application",
    auth=CASEWORKER,
    request=cs.NoteRequest,
    responses={201: cs.Note},
)
async def add_application_note(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate(request)
    body = read_body(request, cs.NoteRequest)
    db = request.ctx.db
    note = await casework.add_application_note(db, principal.caseworker, reference, body.text)
    record = casework.note_record(note, {principal.caseworker.id: principal.caseworker.username})
    return reply(cs.Note.model_validate(record), status=201)


@bp.post("/persons/notes")
@operation(
    "Write a journal note on a person (not on one application)",
    auth=CASEWORKER,
    request=cs.PersonNoteRequest,
    responses={201: cs.Note, 404: "no such person"},
)
async def add_person_note(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    body = read_body(request, cs.PersonNoteRequest)
    note = await casework.add_person_note(request.ctx.db, principal.caseworker, body.cpr, body.text)
    record = casework.note_record(note, {principal.caseworker.id: principal.caseworker.username})
    return reply(cs.Note.model_validate(record), status=201)


@bp.post("/persons/notes/read")
@operation(
    "Every journal note on a person (a POST so that the CPR number stays out of the URL; audited)",
    auth=CASEWORKER,
    request=cs.PersonRequest,
    responses={200: cs.NoteList, 404: "no such person"},
)
async def read_person_notes(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    body = read_body(request, cs.PersonRequest)
    notes = await casework.read_person_notes(request.ctx.db, principal.caseworker, body.cpr)
    return reply(cs.NoteList.model_validate({"notes": notes}))


# --- tasks -------------------------------------------------------------------------------------


@bp.post("/tasks")
@operation(
    "Set a follow-up task on an application",
    auth=CASEWORKER,
    request=cs.TaskRequest,
    responses={201: cs.Task, 404: "no such application"},
)
async def create_task(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    body = read_body(request, cs.TaskRequest)
    task = await casework.create_task(
        request.ctx.db,
        principal.caseworker,
        _settings(request),
        reference=body.application_reference,
        due=body.due,
        text=body.text,
        assignee_id=body.caseworker_id,
    )
    return reply(cs.Task.model_validate(task), status=201)


@bp.get("/tasks")
@operation(
    "Tasks by due day: `mine=1` only the caseworker's own; `state` open (default), done or all",
    auth=CASEWORKER,
    query=cs.TaskQuery,
    responses={200: cs.TaskList},
)
async def list_tasks(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    query = read_query(request, cs.TaskQuery)
    tasks = await casework.list_tasks(
        request.ctx.db, principal.caseworker, _settings(request), mine=query.mine == "1", state=query.state
    )
    return reply(cs.TaskList.model_validate({"tasks": tasks}))


@bp.post("/tasks/<task_id:int>/complete")
@operation(
    "Mark a task done",
    auth=CASEWORKER,
    responses={200: cs.Task, 409: "the task is already done"},
)
async def complete_task(request: Request, task_id: int) -> JSONResponse:
    principal = await authenticate(request)
    task = await casework.complete_task(request.ctx.db, principal.caseworker, _settings(request), task_id)
    return reply(cs.Task.model_validate(task))


# --- search ------------------------------------------------------------------------------------


@bp.post("/search")
@operation(
    "Search applications and threads by CPR number, birth date, name, reference or phone; the same as "
    "GET /applications?q=, with the query in the body instead of the URL. Audited.",
    auth=CASEWORKER,
    request=cs.SearchRequest,
    responses={200: cs.SearchResult},
)
async def search_cases(request: Request) -> JSONResponse:
    principal = await authenticate(request)
    body = read_body(request, cs.SearchRequest)
    found = await search.search(request.ctx.db, principal.caseworker, body.q)
    return reply(cs.SearchResult.model_validate(found))


# --- letters -----------------------------------------------------------------------------------


@bp.get("/letter-templates")
@operation(
    "Letter templates, optionally in one language",
    auth=CASEWORKER,
    query=cs.LetterTemplateQuery,
    responses={200: cs.LetterTemplates},
)
async def list_letter_templates(request: Request) -> JSONResponse:
    await authenticate(request)
    query = read_query(request, cs.LetterTemplateQuery)
    templates = await letters.list_templates(request.ctx.db, query.language)
    return reply(
        cs.LetterTemplates(templates=[cs.LetterTemplate(**letters.template_record(t)) for t in templates])
    )


@bp.post("/applications/<reference:str>/letters/compose")
@operation(
    "Draft a letter from a template in the citizen's language, merge fields filled where possible",
    auth=CASEWORKER,
    request=cs.ComposeRequest,
    responses={200: cs.Letter, 404: "no such application or template"},
)
async def compose_letter(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate(request)
    body = read_body(request, cs.ComposeRequest)
    draft = await letters.compose(
        request.ctx.db,
        principal.caseworker,
        reference,
        template_id=body.template_id,
        key=body.key,
        day=body.date,
        text=body.text,
    )
    return reply(cs.Letter.model_validate(draft))


@bp.post("/applications/<reference:str>/letters")
@operation(
    "Send the (edited) letter as a secure message with the neutral notification; refused while a "
    "merge field is unfilled (error `unfilled_merge_fields`, `fields` names them). A letter from a "
    "template that asks for documents records a document request and the application waits for the "
    "citizen",
    auth=CASEWORKER,
    request=cs.SendLetterRequest,
    responses={
        201: cs.LetterSent,
        404: "no such application or template",
        409: "the template asks for documents and the application is decided",
    },
)
async def send_letter(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate(request)
    body = read_body(request, cs.SendLetterRequest)
    sent = await letters.send_letter(
        request.ctx.db,
        principal.caseworker,
        reference,
        _settings(request),
        text=body.text,
        template_id=body.template_id,
    )
    return reply(cs.LetterSent.model_validate(sent), status=201)


@bp.get("/admin/letter-templates")
@operation(
    "Letter templates, for administrators",
    auth=ADMIN,
    query=cs.LetterTemplateQuery,
    responses={200: cs.LetterTemplates},
)
async def admin_letter_templates(request: Request) -> JSONResponse:
    await authenticate(request, admin=True)
    query = read_query(request, cs.LetterTemplateQuery)
    templates = await letters.list_templates(request.ctx.db, query.language)
    return reply(
        cs.LetterTemplates(templates=[cs.LetterTemplate(**letters.template_record(t)) for t in templates])
    )


@bp.post("/admin/letter-templates")
@operation(
    "Create a letter template (audited); `requests_documents` marks a letter that asks for documents",
    auth=ADMIN,
    request=cs.NewLetterTemplate,
    responses={201: cs.LetterTemplate, 409: "a template with this key and language exists"},
)
async def create_letter_template(request: Request) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    body = read_body(request, cs.NewLetterTemplate)
    template = await letters.create_template(
        request.ctx.db,
        key=body.key,
        language=body.language,
        title=body.title,
        body=body.body,
        requests_documents=body.requests_documents,
        actor=principal.actor,
    )
    return reply(cs.LetterTemplate(**letters.template_record(template)), status=201)


@bp.patch("/admin/letter-templates/<template_id:int>")
@operation(
    "Change a letter template, also whether it asks for documents (audited)",
    auth=ADMIN,
    request=cs.LetterTemplateChanges,
    responses={200: cs.LetterTemplate, 409: "a template with this key and language exists"},
)
async def update_letter_template(request: Request, template_id: int) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    changes = read_body(request, cs.LetterTemplateChanges).model_dump(exclude_none=True)
    template = await letters.update_template(request.ctx.db, template_id, changes, actor=principal.actor)
    return reply(cs.LetterTemplate(**letters.template_record(template)))


@bp.delete("/admin/letter-templates/<template_id:int>")
@operation("Delete a letter template (audited)", auth=ADMIN, responses={200: Deleted})
async def delete_letter_template(request: Request, template_id: int) -> JSONResponse:
    principal = await authenticate(request, admin=True)
    await letters.delete_template(request.ctx.db, template_id, actor=principal.actor)
    return reply(Deleted(deleted=template_id))
