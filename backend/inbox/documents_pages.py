"""The application page's documents: what the citizen sent (a preview of images and of a PDF's first
page, a download link, whether it was scanned for malware) and the form to ask for documents.
Previews and downloads go through the caseworker API's routes, which audit every read."""

from __future__ import annotations

from typing import Any

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, redirect

from backend.documents import service as documents
from backend.inbox.auth import Principal
from backend.inbox.i18n import CONTENT_TYPE_WORDS, FILE, N_, _, format_datetime, ngettext, word, word_or
from backend.inbox.pages import e, form_value, signed_in

bp = Blueprint("inbox_documents_pages", url_prefix="/inbox")

# The ready-made requests of the form (the citizen gets the text in their own language, from
# backend/documents/texts.py); "" is only the caseworker's own text.
READY_MADE_WORDS = {
    # NOTE: Choice in the form "Ask the citizen for documents": no ready-made text, only the caseworker's own.
    "": N_("None: only my own text"),
    # NOTE: Choice in the form "Ask the citizen for documents": ask for a copy of the lease.
    "lease": N_("Lease"),
    # NOTE: Choice in the form "Ask the citizen for documents": ask for payslips (lønsedler).
    "payslips": N_("Payslips for the last three months"),
}
# NOTE: The form "Ask the citizen for documents" was sent with neither a ready-made request nor a text.
NOTHING_ASKED = N_("Choose a ready-made request or write what the citizen should send.")

SCAN_WORDS = {
    "clean": N_("scanned, nothing found"),
    "not_scanned": N_("not scanned for malware"),
}


def _document(attachment: dict[str, Any]) -> str:
    api = f"/api/caseworker/attachments/{e(attachment['id'])}"
    name = e(attachment["filename"])
    preview = (
        f'<img class="document-preview" src="{api}/preview" alt="{e(_("Preview of {name}", name=attachment["filename"]))}"'
        ' loading="lazy" width="200">'
    )
    pages = (
        # NOTE: How many pages a PDF document the citizen sent has.
        f" · {e(ngettext('{count} page', '{count} pages', attachment['pages']))}"
        if attachment.get("pages")
        else ""
    )
    return (
        f'<li class="document"><a href="{api}/download">{preview}<span>{name}</span></a>'
        f"<br>{e(word_or(CONTENT_TYPE_WORDS, attachment['content_type'], FILE))}"
        f" · {e(format_datetime(attachment['received_at']))} · {e(_size(attachment['size']))}{pages}"
        f" · {e(word(SCAN_WORDS, attachment['scan_state']))}</li>"
    )


def _size(size: int) -> str:
    # NOTE: The size of a document the citizen sent, in bytes.
    return ngettext("{count} byte", "{count} bytes", size)


def _request(request: dict[str, Any]) -> str:
    answered = (
        _("documents arrived {time}", time=format_datetime(request["fulfilled_at"]))
        if request["fulfilled_at"]
        else _("waiting for the citizen")
    )
    return (
        f"<li>{e(format_datetime(request['requested_at']))}: "
        f'<span class="citizen">{e(request["text"])}</span> ({e(answered)})</li>'
    )


def documents_section(detail: dict[str, Any], base: str, token: str) -> str:
    """The documents and requests of an application's detail, and the request form."""
    attachments = detail.get("attachments") or []
    requests = detail.get("document_requests") or []
    listed = "".join(_document(a) for a in attachments) or f"<li>{e(_('none'))}</li>"
    asked = "".join(_request(r) for r in requests)
    return (
        f"<h2>{e(_('Documents'))}</h2>"
        f'<ul class="documents">{listed}</ul>'
        + (f"<h3>{e(_('Requests for documents'))}</h3><ul>{asked}</ul>" if asked else "")
        + f"<h3>{e(_('Ask the citizen for documents'))}</h3>"
        f'<form method="post" action="{base}/document-requests">{token}'
        f'<div class="form-group"><label class="form-label" for="document-request-kind">'
        f"{e(_('Ready-made request'))}</label>"
        f'<select class="form-select" id="document-request-kind" name="kind">{_kind_options()}</select></div>'
        f'<div class="form-group"><label class="form-label" for="document-request-text">'
        f"{e(_('Your own text (after the ready-made request, or alone)'))}</label>"
        f'<textarea class="form-input" id="document-request-text" name="text" rows="3" maxlength="4000">'
        "</textarea></div>"
        f'<p class="form-hint">{e(_("The ready-made request is sent in the citizen’s language."))}</p>'
        f'<button type="submit" class="button button-primary">{e(_("Request documents"))}</button></form>'
    )


def _kind_options() -> str:
    return "".join(
        f'<option value="{code}">{e(_(label))}</option>' for code, label in READY_MADE_WORDS.items()
    )


@bp.post("/applications/<reference:str>/document-requests")
@signed_in()
async def request_documents(request: Request, principal: Principal, reference: str) -> HTTPResponse:
    await documents.request_documents(
        request.ctx.db,
        request.app.ctx.settings,
        caseworker_id=principal.caseworker.id,
        reference=reference,
        text=form_value(request, "text"),
        kind=form_value(request, "kind") or None,
    )
    return redirect(f"/inbox/applications/{reference}")
