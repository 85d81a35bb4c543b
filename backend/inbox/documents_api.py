"""The caseworker API's document routes: ask the citizen for documents, preview and download what
they sent (each read audited). Same session cookie and CSRF rules as the rest of /api/caseworker."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from sanic import Blueprint, Request
from sanic.response import HTTPResponse, JSONResponse, raw

from backend.documents import service as documents
from backend.errors import NotFound
from backend.inbox import schemas as s
from backend.inbox.auth import authenticate
from backend.inbox.openapi import CASEWORKER, Content, operation, read_body, reply

bp = Blueprint("caseworker_documents", url_prefix="/api/caseworker")

# A document is shown as a download or an image, never as a page of this site: no script runs in it.
FILE_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}
BINARY = {"type": "string", "format": "binary"}


@bp.post("/applications/<reference:str>/document-requests")
@operation(
    "Ask the citizen for documents: a secure message (and its neutral notification), an open request, "
    "and the application waits for the citizen. `kind` (lease, payslips) puts a ready-made request in "
    "the citizen's language before the free `text`",
    auth=CASEWORKER,
    request=s.DocumentRequestBody,
    responses={201: s.DocumentRequested, 404: "no such application", 409: "the application is decided"},
)
async def request_documents(request: Request, reference: str) -> JSONResponse:
    principal = await authenticate(request)
    body = read_body(request, s.DocumentRequestBody)
    recorded = await documents.request_documents(
        request.ctx.db,
        request.app.ctx.settings,
        caseworker_id=principal.caseworker.id,
        reference=reference,
        text=body.text,
        kind=body.kind,
    )
    application = await documents.application_status(request.ctx.db, reference)
    return reply(
        s.DocumentRequested(
            id=recorded.id,
            application_reference=reference,
            message_id=recorded.message_id,
            requested_at=documents.iso(recorded.requested_at),
            status=application,
        ),
        status=201,
    )


@bp.get("/attachments/<attachment_id:str>/download")
@operation(
    "Download a document the citizen sent (audited)",
    auth=CASEWORKER,
    responses={
        200: Content(
            "application/octet-stream", "the file as the citizen sent it (PDF, JPEG or PNG)", BINARY
        ),
        404: "no such document, or its file is no longer stored",
    },
)
async def download(request: Request, attachment_id: str) -> HTTPResponse:
    principal = await authenticate(request)
    attachment, data = await documents.open_document(
        request.ctx.db,
        request.app.ctx.settings,
        caseworker_id=principal.caseworker.id,
        attachment_id=attachment_id,
        purpose="download",
    )
    disposition = f"attachment; filename*=UTF-8''{quote(attachment.filename)}"
    return raw(
        data,
        content_type=attachment.content_type,
        headers={**FILE_HEADERS, "Content-Disposition": disposition},
    )


@bp.get("/attachments/<attachment_id:str>/preview")
@operation(
    "A preview (PNG) of a document: the image, or a PDF's first page (audited)",
    auth=CASEWORKER,
    responses={
        200: Content("image/png", "the preview", BINARY),
        404: "no such document, or no preview can be made of it",
    },
)
async def preview(request: Request, attachment_id: str) -> HTTPResponse:
    principal = await authenticate(request)
    attachment, data = await documents.open_document(
        request.ctx.db,
        request.app.ctx.settings,
        caseworker_id=principal.caseworker.id,
        attachment_id=attachment_id,
        purpose="preview",
    )
    image = await asyncio.to_thread(documents.preview_png, data, attachment.content_type)
    if image is None:
        raise NotFound("no preview of this document", code="no_preview")
    return raw(image, content_type="image/png", headers=FILE_HEADERS)
