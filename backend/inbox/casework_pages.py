"""Inbox pages for the caseworker's own records: search, journal notes, follow-up tasks ("My tasks"),
letters from templates, and the administrators' letter templates. Built on the services of
backend/inbox/casework.py, search.py and letters.py, with the helpers of backend/inbox/pages.py.

Search goes by POST so that a CPR number or name never lands in a URL (or an access log).
"""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.inbox import casework, letters, search
from backend.inbox.applications import get_application
from backend.inbox.auth import Principal
from backend.inbox.i18n import (
    CITIZEN_LANGUAGE_WORDS,
    STATUS_WORDS,
    _,
    format_date,
    format_datetime,
    format_period,
    ngettext,
    word,
    yes_no,
)
from backend.inbox.pages import csrf_field, e, error_box, form_value, page, signed_in
from backend.models.states import TaskState

bp = Blueprint("inbox_casework_pages", url_prefix="/inbox")


def _head(*labels: str) -> str:
    return "<thead><tr>" + "".join(f'<th scope="col">{e(label)}</th>' for label in labels) + "</tr></thead>"


def _field(
    field_id: str, name: str, label: str, control: str = "input", attributes: str = "", value: str = ""
) -> str:
    if control == "textarea":
        widget = (
            f'<textarea class="form-input" id="{field_id}" name="{name}" {attributes}>{e(value)}</textarea>'
        )
    else:
        widget = f'<input class="form-input" id="{field_id}" name="{name}" value="{e(value)}" {attributes}>'
    return (
        f'<div class="form-group"><label class="form-label" for="{field_id}">{e(label)}</label>{widget}</div>'
    )


def _button(label: str, *, primary: bool = True) -> str:
    kind = "button-primary" if primary else "button-secondary"
    return f'<button type="submit" class="button {kind}">{e(label)}</button>'


def search_box(principal: Principal) -> str:
    """The search form of every signed-in page's header."""
    return (
        f'<form class="inbox-search" method="post" action="/inbox/search" role="search">{csrf_field(principal)}'
        f'<label class="form-label" for="inbox-search-q">{e(_("Search"))}</label>'
        f'<input class="form-input" id="inbox-search-q" name="q" maxlength="100" autocomplete="off"'
        f' title="{e(_("CPR number, birth date, name, reference or phone number"))}">'
        f"{_button(_('Search'), primary=False)}</form>"
    )


# --- application page sections -----------------------------------------------------------------


def _task_rows(tasks: list[dict[str, Any]], token: str, return_to: str, *, with_reference: bool) -> str:
    rows = []
    for task in tasks:
        state = (
            _("Overdue") if task["overdue"] else (_("Done") if task["state"] == TaskState.DONE else _("Open"))
        )
        marker = f'<strong class="overdue">{e(state)}</strong>' if task["overdue"] else e(state)
        action = (
            f'<form class="inline" method="post" action="/inbox/tasks/{task["id"]}/complete">{token}'
            f'<input type="hidden" name="return_to" value="{e(return_to)}">'
            f"{_button(_('Mark as done'), primary=False)}</form>"
            if task["state"] == TaskState.OPEN
            else ""
        )
        reference = (
            f'<td><a href="/inbox/applications/{e(task["application_reference"])}">'
            f"{e(task['application_reference'])}</a></td>"
            if with_reference
            else ""
        )
        css = ' class="task-overdue"' if task["overdue"] else ""
        rows.append(
            f"<tr{css}><td>{e(format_date(task['due']))}</td>{reference}<td>{e(task['text'])}</td>"
            f"<td>{e(task['caseworker'])}</td><td>{marker}</td><td>{action}</td></tr>"
        )
    return "".join(rows)


def _note_items(notes: list[dict[str, Any]], *, link_applications: bool = False) -> str:
    items = []
    for n in notes:
        reference = n["application_reference"]
        if reference is None:
            about = " (" + e(_("note on the person")) + ")"
        elif link_applications:
            label = _("Application {reference}", reference=reference)
            about = f' (<a href="/inbox/applications/{e(reference)}">{e(label)}</a>)'
        else:
            about = ""
        items.append(
            f"<li><p>{e(format_datetime(n['created_at']))}, {e(n['caseworker'])}{about}</p>"
            f'<p class="citizen">{e(n["text"])}</p></li>'
        )
    return "".join(items)


def person_notes_section(notes: list[dict[str, Any]], base: str, token: str) -> str:
    """A thread page's journal notes on its person (also those on their applications) and the form
    for a new note on the person."""
    listed = _note_items(notes, link_applications=True)
    return (
        f"<h2>{e(_('Journal notes on the person'))}</h2>"
        f'<ul class="notes">{listed or "<li>" + e(_("none")) + "</li>"}</ul>'
        f'<form method="post" action="{base}/notes">{token}'
        + _field(
            "person-note-text",
            "text",
            _("New journal note on the person"),
            "textarea",
            'rows="4" maxlength="4000" required',
        )
        + f"{_button(_('Save note'))}</form>"
    )


def casework_sections(d: dict[str, Any], base: str, token: str) -> str:
    """The application page's journal notes, tasks and letter link (`d` is the application detail)."""
    notes = _note_items(d.get("notes") or [])
    head = _head(_("Due"), _("Task"), _("Caseworker"), _("State"), _("Action"))
    tasks = _task_rows(d.get("tasks") or [], token, d["reference"], with_reference=False)
    return (
        f"<h2>{e(_('Journal notes'))}</h2>"
        f'<ul class="notes">{notes or "<li>" + e(_("none")) + "</li>"}</ul>'
        f'<form method="post" action="{base}/notes">{token}'
        + _field("note-text", "text", _("New journal note"), "textarea", 'rows="4" maxlength="4000" required')
        + f"{_button(_('Save note'))}</form>"
        f"<h2>{e(_('Tasks'))}</h2>"
        f'<table class="table">{head}<tbody>{tasks}</tbody></table>'
        f'<form method="post" action="{base}/tasks">{token}'
        + _field("task-due", "due", _("Follow up on"), attributes='type="date" required')
        + _field("task-text", "text", _("What to check"), attributes='maxlength="1000" required')
        + f"{_button(_('Set reminder'))}</form>"
        f"<h2>{e(_('Letter'))}</h2>"
        f'<p><a href="{base}/letter">{e(_("Write a letter from a template"))}</a></p>'
    )


@bp.post("/applications/<reference:str>/notes")
@signed_in()
async def add_note(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    await casework.add_application_note(
        request.ctx.db, principal.caseworker, reference, form_value(request, "text")
    )
    return redirect(f"/inbox/applications/{reference}")


@bp.post("/applications/<reference:str>/tasks")
@signed_in()
async def add_task(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    await casework.create_task(
        request.ctx.db,
        principal.caseworker,
        request.app.ctx.settings,
        reference=reference,
        due=form_value(request, "due"),
        text=form_value(request, "text"),
    )
    return redirect(f"/inbox/applications/{reference}")


@bp.post("/messages/<thread_id:int>/notes")
@signed_in()
async def add_thread_note(request: Request, principal: Principal, thread_id: int) -> HTTPResponse:
    await casework.add_thread_note(
        request.ctx.db, principal.caseworker, thread_id, form_value(request, "text")
    )
    return redirect(f"/inbox/messages/{thread_id}")


# --- my tasks ----------------------------------------------------------------------------------


@bp.get("/tasks")
@signed_in()
async def tasks_page(request: Request, principal: Principal) -> HTTPResponse:
    tasks = await casework.list_tasks(
        request.ctx.db, principal.caseworker, request.app.ctx.settings, mine=True
    )
    overdue = sum(t["overdue"] for t in tasks)
    head = _head(_("Due"), _("Application"), _("Task"), _("Caseworker"), _("State"), _("Action"))
    rows = _task_rows(tasks, csrf_field(principal), "tasks", with_reference=True)
    # NOTE: Above the caseworker's list of reminders: how many are past their date.
    overdue_text = ngettext("{count} overdue task", "{count} overdue tasks", overdue)
    summary = overdue_text if overdue else _("Nothing overdue")
    body = (
        f'<p>{e(summary)}</p><table class="table">{head}<tbody>{rows}</tbody></table>'
        if tasks
        else f"<p>{e(_('You have no open tasks.'))}</p>"
    )
    return page(_("My tasks"), body, principal)


@bp.post("/tasks/<task_id:int>/complete")
@signed_in()
async def complete_task(request: Request, principal: Principal, task_id: int) -> HTTPResponse:
    task = await casework.complete_task(
        request.ctx.db, principal.caseworker, request.app.ctx.settings, task_id
    )
    if form_value(request, "return_to") == task["application_reference"]:
        return redirect(f"/inbox/applications/{task['application_reference']}")
    return redirect("/inbox/tasks")


# --- search ------------------------------------------------------------------------------------


@bp.get("/search")
@signed_in()
async def search_page(request: Request, principal: Principal) -> HTTPResponse:
    return page(
        _("Search"), f"<p>{e(_('CPR number, birth date, name, reference or phone number'))}</p>", principal
    )


@bp.post("/search")
@signed_in()
async def search_results(request: Request, principal: Principal) -> HTTPResponse:
    found = await search.search(request.ctx.db, principal.caseworker, form_value(request, "q"))
    applications = "".join(
        f'<tr><td><a href="/inbox/applications/{e(a["reference"])}">{e(a["reference"])}</a></td>'
        f"<td>{e(a['name'])}</td><td>{e(a['cpr_masked'])}</td><td>{e(format_period(a['period']))}</td>"
        f"<td>{e(word(STATUS_WORDS, a['status']))}</td></tr>"
        for a in found["applications"]
    )
    threads = "".join(
        f'<tr><td><a href="/inbox/messages/{t["id"]}">{e(t["name"] or t["cpr_masked"])}</a></td>'
        f"<td>{e(t['cpr_masked'])}</td><td>{e(t['application_reference'] or '')}</td>"
        f"<td>{e(format_datetime(t['updated_at']))}</td></tr>"
        for t in found["threads"]
    )
    none = f"<p>{e(_('Nothing found.'))}</p>"
    # NOTE: Above the search results: how many applications were found.
    found_applications = ngettext("{count} application", "{count} applications", len(found["applications"]))
    # NOTE: Above the search results: how many message threads were found.
    found_threads = ngettext("{count} message thread", "{count} message threads", len(found["threads"]))
    body = (
        f"<h2>{e(_('Applications'))}</h2>"
        + (
            f"<p>{e(found_applications)}</p>"
            f'<table class="table">{_head(_("Reference"), _("Name"), _("CPR number"), _("Period"), _("Status"))}'
            f"<tbody>{applications}</tbody></table>"
            if applications
            else none
        )
        + f"<h2>{e(_('Messages'))}</h2>"
        + (
            f"<p>{e(found_threads)}</p>"
            f'<table class="table">{_head(_("Citizen"), _("CPR number"), _("Reference"), _("Last activity"))}'
            f"<tbody>{threads}</tbody></table>"
            if threads
            else none
        )
    )
    return page(_("Search results"), body, principal)


# --- letters -----------------------------------------------------------------------------------


async def _letter_form(request: Request, principal: Principal, reference: str, error: str = "") -> str:
    application = await get_application(request.ctx.db, reference)
    templates = await letters.list_templates(request.ctx.db, application.language)
    options = "".join(
        f'<option value="{t.id}">{e(_("{title} (asks for documents)", title=t.title) if t.requests_documents else t.title)}</option>'
        for t in templates
    )
    language = word(CITIZEN_LANGUAGE_WORDS, application.language)
    if not templates:
        return f"<p>{e(_('There are no letter templates in {citizen_language}.', citizen_language=language))}</p>"
    return (
        error
        + f"<p>{e(_('The letter is written in the citizen’s language: {citizen_language}.', citizen_language=language))}</p>"
        f'<form method="post" action="/inbox/applications/{e(reference)}/letter/compose">{csrf_field(principal)}'
        f'<div class="form-group"><label class="form-label" for="letter-template">{e(_("Template"))}</label>'
        f'<select class="form-select" id="letter-template" name="template_id">{options}</select></div>'
        + _field("letter-date", "date", _("Date in the letter (e.g. the deadline)"), attributes='type="date"')
        + _field("letter-text", "text", _("Free text"), "textarea", 'rows="4" maxlength="2000"')
        + f"{_button(_('Write the letter'))}</form>"
        f'<p class="form-hint">{e(_("A letter that asks for documents records a request for documents: the application waits for the citizen, and what the citizen sends is tied to the request."))}</p>'
    )


@bp.get("/applications/<reference:str>/letter")
@signed_in()
async def letter_page(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    body = await _letter_form(request, principal, reference)
    return page(_("Letter for application {reference}", reference=reference), body, principal)


def _asks_for_documents(requests_documents: bool) -> str:
    """Whether sending the letter asks the citizen for documents, said before the send button."""
    if not requests_documents:
        return f'<p class="letter-kind">{e(_("This letter does not ask for documents."))}</p>'
    return (
        '<div class="alert alert-info letter-kind" role="status"><p class="alert-text">'
        f"{e(_('This letter asks for documents: sending it records a request for documents and the application waits for the citizen.'))}"
        "</p></div>"
    )


def _draft_form(
    principal: Principal,
    reference: str,
    text: str,
    template_id: str,
    missing: list[str],
    requests_documents: bool,
) -> str:
    warning = _asks_for_documents(requests_documents)
    if missing:
        names = ", ".join(f"{{{name}}} ({_(letters.FIELD_LABELS[name])})" for name in missing)
        warning += (
            '<div class="alert alert-warning" role="status"><p class="alert-text">'
            f"{e(_('Fill in these merge fields before sending: {fields}', fields=names))}</p></div>"
        )
    return (
        warning
        + f'<form method="post" action="/inbox/applications/{e(reference)}/letter/send">{csrf_field(principal)}'
        f'<input type="hidden" name="template_id" value="{e(template_id)}">'
        + _field("letter-body", "text", _("Letter"), "textarea", 'rows="16" maxlength="4000" required', text)
        + f"{_button(_('Send letter'))}</form>"
    )


@bp.post("/applications/<reference:str>/letter/compose")
@signed_in()
async def letter_compose(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    template_id = form_value(request, "template_id")
    draft = await letters.compose(
        request.ctx.db,
        principal.caseworker,
        reference,
        template_id=int(template_id) if template_id.isdigit() else -1,
        day=form_value(request, "date") or None,
        text=form_value(request, "text") or None,
    )
    body = _draft_form(
        principal,
        reference,
        draft["text"],
        str(draft["template_id"]),
        draft["missing"],
        draft["requests_documents"],
    )
    return page(_("Letter for application {reference}", reference=reference), body, principal)


@bp.post("/applications/<reference:str>/letter/send")
@signed_in()
async def letter_send(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    text = request.form.get("text") or ""
    template_id = form_value(request, "template_id")
    try:
        await letters.send_letter(
            request.ctx.db,
            principal.caseworker,
            reference,
            request.app.ctx.settings,
            text=text,
            template_id=int(template_id) if template_id.isdigit() else None,
        )
    except letters.UnfilledMergeFields as exc:
        # The caseworker's edited text comes back with the fields named: nothing is lost.
        template = (
            await letters.get_template(request.ctx.db, int(template_id)) if template_id.isdigit() else None
        )
        asks = bool(template and template.requests_documents)
        body = error_box(exc) + _draft_form(principal, reference, text, template_id, [], asks)
        return page(_("Letter for application {reference}", reference=reference), body, principal, status=400)
    return redirect(f"/inbox/applications/{reference}")


# --- administration of letter templates --------------------------------------------------------


def _template_fields(template: Any = None) -> str:
    language = template.language if template else ""
    options = "".join(
        f'<option value="{code}"{" selected" if code == language else ""}>{e(word(CITIZEN_LANGUAGE_WORDS, code))}</option>'
        for code in letters.LETTER_LANGUAGES
    )
    fields = ", ".join("{" + name + "}" for name in letters.MERGE_FIELDS)
    checked = " checked" if template and template.requests_documents else ""
    return (
        _field(
            "template-key",
            "key",
            _("Key (the same for every language of one letter)"),
            attributes='pattern="[a-z0-9_]{1,40}" required',
            value=template.key if template else "",
        )
        + f'<div class="form-group"><label class="form-label" for="template-language">{e(_("Language"))}</label>'
        f'<select class="form-select" id="template-language" name="language">{options}</select></div>'
        + _field(
            "template-title",
            "title",
            _("Title"),
            attributes='maxlength="120" required',
            value=template.title if template else "",
        )
        + _field(
            "template-body",
            "body",
            _("Text (merge fields: {fields})", fields=fields),
            "textarea",
            'rows="12" maxlength="4000" required',
            template.body if template else "",
        )
        + '<div class="form-group"><input type="checkbox" id="template-requests-documents"'
        f' name="requests_documents" value="1"{checked}> <label for="template-requests-documents">'
        f"{e(_('The letter asks for documents (sending it records a request for documents)'))}</label></div>"
    )


@bp.get("/admin/letter-templates")
@signed_in(admin_only=True)
async def templates_page(request: Request, principal: Principal) -> HTTPResponse:
    token = csrf_field(principal)
    rows = "".join(
        f'<tr><td><a href="/inbox/admin/letter-templates/{t.id}">{e(t.title)}</a></td><td>{e(t.key)}</td>'
        f"<td>{e(word(CITIZEN_LANGUAGE_WORDS, t.language))}</td><td>{e(yes_no(t.requests_documents))}</td>"
        f'<td><form class="inline" method="post" action="/inbox/admin/letter-templates/{t.id}/delete">{token}'
        f"{_button(_('Delete'), primary=False)}</form></td></tr>"
        for t in await letters.list_templates(request.ctx.db)
    )
    body = (
        f'<table class="table">{_head(_("Title"), _("Key"), _("Language"), _("Asks for documents"), _("Action"))}<tbody>{rows}</tbody></table>'
        f"<h2>{e(_('New letter template'))}</h2>"
        f'<form method="post" action="/inbox/admin/letter-templates">{token}{_template_fields()}'
        f"{_button(_('Create template'))}</form>"
    )
    return page(_("Letter templates"), body, principal)


def _template_values(request: Request) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: request.form.get(name) or "" for name in ("key", "language", "title", "body")
    }
    # An unticked checkbox is not sent: absent means the letter does not ask for documents.
    values["requests_documents"] = request.form.get("requests_documents") == "1"
    return values


@bp.post("/admin/letter-templates")
@signed_in(admin_only=True)
async def create_template(request: Request, principal: Principal) -> HTTPResponse:
    await letters.create_template(request.ctx.db, **_template_values(request), actor=principal.actor)
    return redirect("/inbox/admin/letter-templates")


@bp.get("/admin/letter-templates/<template_id:int>")
@signed_in(admin_only=True)
async def template_page(request: Request, principal: Principal, template_id: int) -> HTTPResponse:
    template = await letters.get_template(request.ctx.db, template_id)
    body = (
        f'<form method="post" action="/inbox/admin/letter-templates/{template.id}">{csrf_field(principal)}'
        f"{_template_fields(template)}{_button(_('Save template'))}</form>"
    )
    return page(_("Letter template"), body, principal)


@bp.post("/admin/letter-templates/<template_id:int>")
@signed_in(admin_only=True)
async def update_template(request: Request, principal: Principal, template_id: int) -> HTTPResponse:
    await letters.update_template(
        request.ctx.db, template_id, _template_values(request), actor=principal.actor
    )
    return redirect("/inbox/admin/letter-templates")


@bp.post("/admin/letter-templates/<template_id:int>/delete")
@signed_in(admin_only=True)
async def delete_template(request: Request, principal: Principal, template_id: int) -> HTTPResponse:
    await letters.delete_template(request.ctx.db, template_id, actor=principal.actor)
    return redirect("/inbox/admin/letter-templates")
