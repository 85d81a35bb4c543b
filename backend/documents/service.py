"""Documents: a caseworker asks for them, the citizen sends them (web, MMS, Telegram), the caseworker
sees, previews and downloads them; they go with the application's export and its purge.

Each use case takes the session and commits when it says so. Every read of a document by a
caseworker is audited; the bytes live in the document storage (backend/documents/storage.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend import audit
from backend.applications import status
from backend.config import Settings
from backend.documents import checks, scan, texts
from backend.documents.storage import (
    Storage,
    StorageUnavailable,
    StoredFileCorrupt,
    StoredFileMissing,
    blob_storage,
    storage_for,
)
from backend.errors import Conflict, InvalidInput, NotFound
from backend.messaging.service import caseworker_writes, clean_message_text
from backend.models.applications import Application
from backend.models.documents import Attachment, DocumentRequest
from backend.models.messaging import SecureMessage
from backend.models.states import ApplicationStatus
from backend.nlg.render import translate

log = logging.getLogger("inissiaq.documents")
PREVIEW_PIXELS = 800  # the longer side of a preview image


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)).isoformat()


# --- the caseworker asks ----------------------------------------------------------------------------


# The ready-made requests a caseworker can choose instead of (or before) a free text.
READY_MADE = {"lease": texts.ASK_FOR_LEASE, "payslips": texts.ASK_FOR_PAYSLIPS}


def request_text(language: str, kind: Any, text: Any) -> str:
    """What the citizen is asked: the ready-made request (`kind`) in their language, then the free
    text; at least one of the two."""
    if kind not in (None, "") and kind not in READY_MADE:
        raise InvalidInput(f"kind must be one of {', '.join(READY_MADE)}", code="unknown_kind")
    parts = [translate(language, READY_MADE[kind])] if kind else []
    if text is not None and (not isinstance(text, str) or text.strip()):
        parts.append(clean_message_text(text))
    if not parts:
        # The inbox's pages translate this message (backend/inbox/documents_pages.py NOTHING_ASKED).
        raise InvalidInput("Choose a ready-made request or write what the citizen should send.")
    return clean_message_text("\n\n".join(parts))


async def request_documents(
    db: AsyncSession,
    settings: Settings,
    *,
    caseworker_id: int,
    reference: str,
    text: Any,
    kind: Any = None,
) -> DocumentRequest:
    """Record an open request, send the citizen the secure message (and its neutral notification) and
    mark the application as waiting for the citizen. `kind` (lease, payslips) puts the ready-made
    request in the citizen's language before the text. Commits."""
    application = await _application(db, reference, lock=True)
    request, _ = await record_request(
        db,
        settings,
        caseworker_id=caseworker_id,
        application=application,
        text=request_text(application.language, kind, text),
    )
    await db.commit()
    return request


async def record_request(
    db: AsyncSession, settings: Settings, *, caseworker_id: int, application: Application, text: Any
) -> tuple[DocumentRequest, SecureMessage]:
    """Record the request, move the status, audit, and send the secure message with its neutral
    notification: all commit together with the message. The caller (which locked the application)
    commits the request's message id with whatever it adds. A decided application: 409, nothing done."""
    cleaned = clean_message_text(text)
    if application.status == ApplicationStatus.DECIDED:
        raise Conflict("the application is decided; no documents can be requested", code="decided")
    reference = application.reference
    request = DocumentRequest(
        application_reference=reference,
        person_cpr=application.person_cpr,
        text=cleaned,
        requested_by=caseworker_id,
        requested_at=datetime.now(UTC),
    )
    db.add(request)
    await db.flush()
    await status.mark_waiting_for_citizen(
        db, application, actor=f"caseworker:{caseworker_id}", settings=settings
    )
    await audit.record(
        db,
        actor=f"caseworker:{caseworker_id}",
        action="documents_requested",
        person_cpr=application.person_cpr,
        application_reference=reference,
        details={"request_id": request.id},
    )
    # The message and its notification commit with everything above.
    message = await caseworker_writes(
        db,
        caseworker_id=caseworker_id,
        cpr=application.person_cpr,
        application_reference=reference,
        text=cleaned,
        settings=settings,
    )
    request.message_id = message.id
    return request, message


async def locked_application(db: AsyncSession, reference: str) -> Application:
    """The application under its row lock (for `record_request`), else 404."""
    return await _application(db, reference, lock=True)


# --- the citizen sends -----------------------------------------------------------------------------


async def receive(
    db: AsyncSession,
    settings: Settings,
    *,
    cpr: str,
    data: bytes,
    filename: str | None,
    channel: str,
    conversation_id: str | None,
    storage: Storage | None = None,
) -> Attachment:
    """Check, scan, encrypt and store one file of the person; tie it to their open request, else their
    latest application. DocumentRefused (nothing stored) for a bad file. Commits."""
    checked = await asyncio.to_thread(checks.check, data, filename, settings)
    scan_state = await scan.scan(checked.data, settings)
    storage = storage or storage_for(settings)
    key = secrets.token_hex(16)
    # The file is stored before the application's row is locked: with S3 the upload can take long,
    # and the lock would hold up the application's other changes meanwhile.
    try:
        await storage.put(key, checked.data)
    except StorageUnavailable as error:
        log.warning("a document could not be stored: %s", error)
        raise checks.DocumentRefused(texts.NOT_STORED, code="storage_unavailable", status=503) from error
    try:
        request, application = await _destination(db, cpr)
        attachment = Attachment(
            id=key,
            person_cpr=cpr,
            application_reference=application.reference if application else None,
            request_id=request.id if request else None,
            conversation_id=conversation_id,
            channel=channel,
            filename=checked.filename,
            content_type=checked.content_type,
            size=len(checked.data),
            pages=checked.pages,
            width=checked.width,
            height=checked.height,
            sha256=hashlib.sha256(checked.data).hexdigest(),
            scan_state=scan_state,
            storage_key=key,
            received_at=datetime.now(UTC),
        )
        db.add(attachment)
        if request is not None and request.fulfilled_at is None:
            request.fulfilled_at = attachment.received_at
        if application is not None and request is not None:
            await status.mark_documents_received(db, application, actor="citizen", settings=settings)
        await audit.record(
            db,
            actor="citizen",
            action="document_received",
            person_cpr=cpr,
            application_reference=attachment.application_reference,
            details={"attachment_id": key, "channel": channel, "scan": scan_state},
        )
        await db.commit()
    except BaseException:
        await db.rollback()
        await _delete_file(storage, key)  # nothing refers to it: no orphaned blob
        raise
    return attachment


async def _delete_file(storage: Storage, key: str) -> bool:
    """Delete one stored file; False (logged, by its random key only) when the storage fails, so that
    the error being handled, or the rest of the work, goes on."""
    try:
        await storage.delete(key)
    except (StorageUnavailable, OSError) as error:
        log.error("the stored file %s could not be deleted and stays until deleted by hand: %s", key, error)
        return False
    return True


async def _destination(db: AsyncSession, cpr: str) -> tuple[DocumentRequest | None, Application | None]:
    """The person's newest request on an application not yet decided, else their latest application."""
    found = await db.execute(
        select(DocumentRequest, Application)
        .join(Application, Application.reference == DocumentRequest.application_reference)
        .where(DocumentRequest.person_cpr == cpr, Application.status != ApplicationStatus.DECIDED)
        .order_by(DocumentRequest.requested_at.desc(), DocumentRequest.id.desc())
        .limit(1)
        .with_for_update(of=Application)
        .execution_options(populate_existing=True)
    )
    row = found.first()
    if row is not None:
        return row[0], row[1]
    latest = await db.execute(
        select(Application)
        .where(Application.person_cpr == cpr)
        .order_by(Application.submitted_at.desc(), Application.id.desc())
        .limit(1)
    )
    return None, latest.scalars().first()


# --- the caseworker reads --------------------------------------------------------------------------


def attachment_record(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "received_at": iso(attachment.received_at),
        "pages": attachment.pages,
        "channel": attachment.channel,
        "scan_state": attachment.scan_state,
        "request_id": attachment.request_id,
    }


def request_record(request: DocumentRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "text": request.text,
        "requested_by": request.requested_by,
        "requested_at": iso(request.requested_at),
        "fulfilled_at": iso(request.fulfilled_at),
    }


async def attachments_of(db: AsyncSession, reference: str) -> Sequence[Attachment]:
    found = await db.execute(
        select(Attachment)
        .where(Attachment.application_reference == reference)
        .order_by(Attachment.received_at, Attachment.id)
    )
    return found.scalars().all()


async def requests_of(db: AsyncSession, reference: str) -> Sequence[DocumentRequest]:
    found = await db.execute(
        select(DocumentRequest)
        .where(DocumentRequest.application_reference == reference)
        .order_by(DocumentRequest.requested_at, DocumentRequest.id)
    )
    return found.scalars().all()


async def open_document(
    db: AsyncSession, settings: Settings, *, caseworker_id: int, attachment_id: str, purpose: str
) -> tuple[Attachment, bytes]:
    """The file's record and its decrypted bytes for a caseworker (`purpose`: download or preview).
    Audited; commits."""
    attachment = await db.get(Attachment, attachment_id) if checks_id(attachment_id) else None
    if attachment is None:
        raise NotFound("unknown document")
    try:
        data = await storage_for(settings).get(attachment.storage_key)
    except (StoredFileMissing, StoredFileCorrupt) as error:
        raise NotFound("the document's file is not available", code="file_unavailable") from error
    await audit.record(
        db,
        actor=f"caseworker:{caseworker_id}",
        action="document_downloaded" if purpose == "download" else "document_previewed",
        person_cpr=attachment.person_cpr,
        application_reference=attachment.application_reference,
        details={"attachment_id": attachment.id},
    )
    await db.commit()
    return attachment, data


def checks_id(value: str) -> bool:
    return len(value) == 32 and all(c in "0123456789abcdef" for c in value)


def preview_png(data: bytes, content_type: str) -> bytes | None:
    """A PNG of an image, or of a PDF's first page (pypdfium2), at most PREVIEW_PIXELS on its longer
    side; None when it cannot be rendered. CPU-bound: call it in a thread."""
    from PIL import Image

    try:
        if content_type == checks.PDF:
            import pypdfium2

            document = pypdfium2.PdfDocument(data)
            try:
                page = document[0]
                width, height = page.get_size()
                scale = PREVIEW_PIXELS / max(width, height, 1)
                image = page.render(scale=scale).to_pil()
            finally:
                document.close()
        else:
            image = Image.open(io.BytesIO(data))
            image.thumbnail((PREVIEW_PIXELS, PREVIEW_PIXELS))
        out = io.BytesIO()
        image.convert("RGB").save(out, format="PNG")
        return out.getvalue()
    except Exception:  # a preview is a convenience: the download still works
        return None


async def with_appendix(db: AsyncSession, settings: Settings, pdf: bytes, reference: str) -> bytes:
    """The export PDF with the application's documents appended: PDFs page by page, images one page
    each. A document whose file is gone or cannot be read is left out (the manifest still lists it)."""
    attachments = await attachments_of(db, reference)
    if not attachments:
        return pdf
    storage = storage_for(settings)
    files = []
    for attachment in attachments:
        try:
            files.append((attachment.content_type, await storage.get(attachment.storage_key)))
        except (StoredFileMissing, StoredFileCorrupt):
            continue
    return await asyncio.to_thread(_appended, pdf, files)


def _appended(pdf: bytes, files: list[tuple[str, bytes]]) -> bytes:
    from PIL import Image
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf)))
    for content_type, data in files:
        try:
            if content_type == checks.PDF:
                writer.append(PdfReader(io.BytesIO(data), strict=False))
            else:
                page = io.BytesIO()
                with Image.open(io.BytesIO(data)) as image:
                    image.convert("RGB").save(page, format="PDF", resolution=150)
                writer.append(PdfReader(page))
        except Exception as error:  # one unreadable document does not stop the export
            log.warning("a document could not be appended to the export: %s", type(error).__name__)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- export, person export and purge -----------------------------------------------------------------


async def purge_orphans(
    db: AsyncSession, settings: Settings, *, cutoff: datetime
) -> tuple[dict[str, int], list[str]]:
    """Delete the documents and requests of applications that no longer exist (purged with the
    application's history), and documents never tied to an application once older than the history
    period. Not committed: returns the counts and the storage keys of the documents' files, which the
    caller deletes with `delete_purged_files` once the purge is committed (a purge that fails keeps
    the rows and their files)."""
    existing = select(Application.reference)
    doomed = (
        (
            await db.execute(
                select(Attachment).where(
                    (
                        Attachment.application_reference.is_not(None)
                        & Attachment.application_reference.not_in(existing)
                    )
                    | (Attachment.application_reference.is_(None) & (Attachment.received_at < cutoff))
                )
            )
        )
        .scalars()
        .all()
    )
    if doomed:
        await db.execute(delete(Attachment).where(Attachment.id.in_([a.id for a in doomed])))
    requests = await db.execute(
        delete(DocumentRequest).where(DocumentRequest.application_reference.not_in(existing))
    )
    counts = {"attachments": len(doomed), "document_requests": int(requests.rowcount or 0)}
    return counts, [attachment.storage_key for attachment in doomed]


async def delete_purged_files(settings: Settings, keys: Sequence[str]) -> int:
    """Delete the files of documents whose rows a committed purge removed; the number not deleted.
    A file the storage fails to delete is logged (its random key only) and left: no row refers to it
    any more, so no later purge finds it, and it stays until deleted by hand."""
    storage = blob_storage(settings)  # deleting needs no key
    failed = 0
    for key in keys:
        if not await _delete_file(storage, key):
            failed += 1
    return failed


async def person_records(db: AsyncSession, cpr: str) -> dict[str, list[dict[str, Any]]]:
    """The person's documents (metadata, not content) and the requests made of them."""
    attachments = await db.execute(
        select(Attachment).where(Attachment.person_cpr == cpr).order_by(Attachment.received_at)
    )
    requests = await db.execute(
        select(DocumentRequest)
        .where(DocumentRequest.person_cpr == cpr)
        .order_by(DocumentRequest.requested_at)
    )
    return {
        "attachments": [
            {**attachment_record(a), "application_reference": a.application_reference, "sha256": a.sha256}
            for a in attachments.scalars().all()
        ],
        "document_requests": [
            {**request_record(r), "application_reference": r.application_reference}
            for r in requests.scalars().all()
        ],
    }


async def application_status(db: AsyncSession, reference: str) -> str:
    """The application's status now (after a request: waiting_for_citizen, unless taken over)."""
    return (await _application(db, reference)).status


async def _application(db: AsyncSession, reference: str, *, lock: bool = False) -> Application:
    query = select(Application).where(Application.reference == reference)
    found = await db.execute(query.with_for_update() if lock else query)
    application = found.scalars().first()
    if application is None:
        raise NotFound("unknown application")
    return application
