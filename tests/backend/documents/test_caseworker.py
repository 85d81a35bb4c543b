"""The caseworker's side: asking for documents (secure message, neutral notification, waiting for the
citizen), the documents in the application's detail, preview and download (audited), the export, and
the purge with the application's history."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend import audit_chain
from backend.config import Settings
from backend.documents import service as documents
from backend.documents import texts
from backend.documents.storage import FilesystemStorage, StorageUnavailable
from backend.errors import InvalidInput
from backend.inbox.i18n import translate as caseworker_text
from backend.models.applications import Application
from backend.models.audit import AuditEntry
from backend.models.documents import Attachment, DocumentRequest
from backend.models.messaging import SecureMessage
from backend.models.outbox import OutboxMessage
from backend.models.states import ApplicationStatus, Decision
from backend.nlg.render import translate
from backend.scheduler import purge
from tests.backend.applications.factories import AVIAJA
from tests.backend.documents import samples
from tests.backend.inbox.factories import create_caseworker, log_in
from tests.backend.inbox.test_applications import _submitted

REQUEST_TEXT = "Send venligst en kopi af din lejekontrakt."


async def _actions(db: AsyncSession, action: str) -> list[AuditEntry]:
    return list((await db.execute(select(AuditEntry).where(AuditEntry.action == action))).scalars().all())


async def test_a_request_sends_the_message_and_the_document_arrives_for_it(
    app, db: AsyncSession, settings: Settings
) -> None:
    application = await _submitted(db, settings, AVIAJA)
    reference = application.reference
    await create_caseworker(db)
    session = await log_in(app)
    url = f"/api/caseworker/applications/{reference}/document-requests"

    _, without_csrf = await app.asgi_client.post(
        url, json={"text": REQUEST_TEXT}, headers=session.cookie_only
    )
    assert without_csrf.status == 403
    for body, status in [({"text": 7}, 400), ({"text": "x" * 5000}, 400)]:
        _, bad = await app.asgi_client.post(url, json=body, headers=session.headers)
        assert bad.status == status, body
    _, unknown = await app.asgi_client.post(
        "/api/caseworker/applications/BS-NOPE/document-requests", json={"text": "x"}, headers=session.headers
    )
    assert unknown.status == 404

    _, asked = await app.asgi_client.post(url, json={"text": REQUEST_TEXT}, headers=session.headers)
    assert asked.status == 201, asked.text
    assert asked.json["status"] == "waiting_for_citizen"
    message = await db.get(SecureMessage, asked.json["message_id"])
    assert message is not None and message.text == REQUEST_TEXT
    notices = (
        await db.execute(select(OutboxMessage).where(OutboxMessage.kind == "message_notification"))
    ).scalars()
    assert [n for n in notices if "lejekontrakt" not in n.text]  # neutral: the request's text is not in it

    attachment = await documents.receive(
        db,
        settings,
        cpr=AVIAJA,
        data=samples.pdf(1),
        filename="kontrakt.pdf",
        channel="web",
        conversation_id=None,
    )
    assert attachment.request_id == asked.json["id"] and attachment.application_reference == reference
    request = await db.get(DocumentRequest, asked.json["id"], populate_existing=True)
    assert request is not None and request.fulfilled_at is not None
    refreshed = await db.get(Application, application.id, populate_existing=True)
    assert refreshed is not None and refreshed.status == ApplicationStatus.RECEIVED  # the documents arrived

    _, detail = await app.asgi_client.get(
        f"/api/caseworker/applications/{reference}", headers=session.headers
    )
    assert detail.status == 200
    (listed,) = detail.json["attachments"]
    assert {k: listed[k] for k in ("id", "filename", "content_type", "size")} == {
        "id": attachment.id,
        "filename": "kontrakt.pdf",
        "content_type": "application/pdf",
        "size": attachment.size,
    }
    assert listed["received_at"] and listed["scan_state"] == "not_scanned"
    assert detail.json["document_requests"][0]["text"] == REQUEST_TEXT

    _, page = await app.asgi_client.get(f"/inbox/applications/{reference}", headers=session.cookie_only)
    assert page.status == 200
    assert f'src="/api/caseworker/attachments/{attachment.id}/preview"' in page.text
    assert f'href="/api/caseworker/attachments/{attachment.id}/download"' in page.text
    assert 'action="/inbox/applications/' in page.text and 'name="text"' in page.text
    _, by_form = await app.asgi_client.post(
        f"/inbox/applications/{reference}/document-requests",
        data={"csrf_token": session.csrf, "text": "Lønsedler for de sidste tre måneder"},
        headers=session.cookie_only,
        follow_redirects=False,
    )
    assert by_form.status in (302, 303)
    assert len((await db.execute(select(DocumentRequest))).scalars().all()) == 2


async def test_a_ready_made_request_is_sent_in_the_citizens_language_alone_or_before_the_free_text(
    app, db: AsyncSession, settings: Settings
) -> None:
    application = await _submitted(db, settings, AVIAJA)
    reference = application.reference
    await create_caseworker(db)
    session = await log_in(app)
    lease = translate(application.language, texts.ASK_FOR_LEASE)
    payslips = translate(application.language, texts.ASK_FOR_PAYSLIPS)
    assert lease != texts.ASK_FOR_LEASE and payslips != texts.ASK_FOR_PAYSLIPS  # translated

    _, form = await app.asgi_client.get(f"/inbox/applications/{reference}", headers=session.cookie_only)
    for code in ("", "lease", "payslips"):
        assert f'<option value="{code}">' in form.text
    assert caseworker_text("da", "Payslips for the last three months") in form.text
    _, by_form = await app.asgi_client.post(
        f"/inbox/applications/{reference}/document-requests",
        data={"csrf_token": session.csrf, "kind": "lease", "text": ""},
        headers=session.cookie_only,
        follow_redirects=False,
    )
    assert by_form.status == 302
    url = f"/api/caseworker/applications/{reference}/document-requests"
    _, by_api = await app.asgi_client.post(
        url, json={"kind": "payslips", "text": "Også for din samlever."}, headers=session.headers
    )
    assert by_api.status == 201, by_api.text
    sent = (await db.execute(select(DocumentRequest.text).order_by(DocumentRequest.id))).scalars().all()
    assert sent == [lease, f"{payslips}\n\nOgså for din samlever."]
    messages = (await db.execute(select(SecureMessage.text).order_by(SecureMessage.id))).scalars().all()
    assert messages == sent

    for body in ({}, {"text": "  "}, {"kind": "passport"}, {"kind": "lease", "text": 7}):
        _, refused = await app.asgi_client.post(url, json=body, headers=session.headers)
        assert refused.status == 400, body
    _, nothing = await app.asgi_client.post(
        f"/inbox/applications/{reference}/document-requests",
        data={"csrf_token": session.csrf, "kind": "", "text": ""},
        headers=session.cookie_only,
    )
    assert nothing.status == 400
    assert caseworker_text("da", "Choose a ready-made request or write what the citizen should send.") in (
        nothing.text
    )
    assert len((await db.execute(select(DocumentRequest))).scalars().all()) == 2


async def test_download_and_preview_are_audited_and_the_export_appends_the_documents(
    app, db: AsyncSession, settings: Settings
) -> None:
    application = await _submitted(db, settings, AVIAJA)
    image = await documents.receive(
        db,
        settings,
        cpr=AVIAJA,
        data=samples.png(300, 200),
        filename="foto.png",
        channel="web",
        conversation_id=None,
    )
    document = samples.pdf(2)
    pdf = await documents.receive(
        db, settings, cpr=AVIAJA, data=document, filename="løn.pdf", channel="web", conversation_id=None
    )
    await create_caseworker(db)
    session = await log_in(app)

    app.asgi_client.cookies.clear()  # the login's cookie stays in the test client's jar otherwise
    _, anonymous = await app.asgi_client.get(f"/api/caseworker/attachments/{pdf.id}/download")
    assert anonymous.status == 401
    _, download = await app.asgi_client.get(
        f"/api/caseworker/attachments/{pdf.id}/download", headers=session.headers
    )
    assert download.status == 200 and download.body == document
    assert download.headers["content-type"] == "application/pdf"
    assert (
        "attachment" in download.headers["content-disposition"]
        and "sandbox" in download.headers["content-security-policy"]
    )
    for attachment in (image, pdf):
        _, preview = await app.asgi_client.get(
            f"/api/caseworker/attachments/{attachment.id}/preview", headers=session.headers
        )
        assert preview.status == 200 and preview.body.startswith(b"\x89PNG")
    for missing in ("0" * 32, "..%2F..%2Fetc%2Fpasswd"):
        _, unknown = await app.asgi_client.get(
            f"/api/caseworker/attachments/{missing}/download", headers=session.headers
        )
        assert unknown.status == 404
    downloads = await _actions(db, "document_downloaded")
    assert [(e.actor, e.person_cpr, e.details["attachment_id"]) for e in downloads] == [
        (f"caseworker:{session.caseworker_id}", AVIAJA, pdf.id)
    ]
    assert len(await _actions(db, "document_previewed")) == 2

    base = f"/api/caseworker/applications/{application.reference}"
    _, manifest = await app.asgi_client.get(f"{base}/export.json", headers=session.headers)
    assert [a["id"] for a in manifest.json["attachments"]] == [image.id, pdf.id]
    _, exported = await app.asgi_client.get(f"{base}/export.pdf", headers=session.headers)
    pages = PdfReader(io.BytesIO(exported.body)).pages
    text = "".join(page.extract_text() or "" for page in pages)
    assert "Lejekontrakt 2" in text  # the appended PDF's second page
    assert len(pages) >= 1 + 1 + 2  # the export, the image's page, the PDF's two pages


async def test_documents_are_purged_with_the_applications_history(
    db: AsyncSession, settings: Settings
) -> None:
    application = await _submitted(db, settings, AVIAJA)
    kept_application = await _submitted(db, settings, "3003901238")
    old = await documents.receive(
        db, settings, cpr=AVIAJA, data=samples.jpeg(), filename="a.jpg", channel="sms", conversation_id=None
    )
    kept = await documents.receive(
        db,
        settings,
        cpr="3003901238",
        data=samples.jpeg(),
        filename="b.jpg",
        channel="web",
        conversation_id=None,
    )
    assert kept.application_reference == kept_application.reference
    await _decided_long_ago(db, settings, application)
    files = FilesystemStorage(settings.documents_dir)
    assert files.path(old.storage_key).exists()

    counts = await purge(db, settings)
    assert counts["attachments"] == 1
    assert await db.get(Attachment, old.id, populate_existing=True) is None
    assert not files.path(old.storage_key).exists()  # the encrypted file is gone too
    assert await db.get(Attachment, kept.id, populate_existing=True) is not None
    assert files.path(kept.storage_key).exists()


class _Recorded:
    """A storage that keeps the files in memory; its deletes fail when `deletes_fail`."""

    def __init__(self, *, deletes_fail: bool = False) -> None:
        self.files: dict[str, bytes] = {}
        self.deletes_fail = deletes_fail
        self.during_put: list[bool] = []  # per put: could another session lock the application then?
        self.check: Any = None

    async def put(self, key: str, data: bytes) -> None:
        if self.check is not None:
            self.during_put.append(await self.check())
        self.files[key] = data

    async def get(self, key: str) -> bytes:
        return self.files[key]

    async def delete(self, key: str) -> None:
        if self.deletes_fail:
            raise StorageUnavailable("the document storage refused S3 delete: AccessDenied")
        self.files.pop(key, None)


async def test_the_application_is_not_locked_while_the_file_is_stored(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    application = await _submitted(db, settings, AVIAJA)
    caseworker = await create_caseworker(db)
    await documents.request_documents(
        db, settings, caseworker_id=caseworker.id, reference=application.reference, text=REQUEST_TEXT
    )
    storage = _Recorded()

    async def application_lockable() -> bool:
        async with sessions() as other:
            try:
                await other.execute(
                    select(Application).where(Application.id == application.id).with_for_update(nowait=True)
                )
            except DBAPIError:
                return False
            finally:
                await other.rollback()
        return True

    storage.check = application_lockable
    attachment = await documents.receive(
        db,
        settings,
        cpr=AVIAJA,
        data=samples.jpeg(),
        filename="a.jpg",
        channel="web",
        conversation_id=None,
        storage=storage,
    )
    assert storage.during_put == [True]  # a status change or a letter need not wait for the upload
    assert attachment.request_id is not None and list(storage.files) == [attachment.storage_key]
    assert await documents.application_status(db, application.reference) == ApplicationStatus.RECEIVED


async def test_a_stored_file_that_cannot_be_deleted_again_does_not_hide_why_the_row_was_not_recorded(
    db: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    await _submitted(db, settings, AVIAJA)
    storage = _Recorded(deletes_fail=True)

    async def database_fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(documents.audit, "record", database_fails)
    with pytest.raises(RuntimeError, match="the database went away"):
        await documents.receive(
            db,
            settings,
            cpr=AVIAJA,
            data=samples.jpeg(),
            filename="a.jpg",
            channel="web",
            conversation_id=None,
            storage=storage,
        )
    (key,) = storage.files  # left in the storage, and said so
    assert (await db.execute(select(Attachment))).scalars().all() == []
    assert [
        r.getMessage()
        for r in caplog.records
        if key in r.getMessage() and "deleted by hand" in r.getMessage()
    ]
    assert AVIAJA not in caplog.text


async def _decided_long_ago(db: AsyncSession, settings: Settings, application: Application) -> None:
    """The application granted and taken over longer ago than the history period (committed)."""
    long_ago = datetime.now(UTC) - timedelta(days=settings.history_retention_days + 5)
    await db.execute(
        update(Application)
        .where(Application.id == application.id)
        .values(
            status=ApplicationStatus.DECIDED,
            decision=Decision.GRANTED,
            taken_over_at=long_ago,
            submitted_at=long_ago,
        )
    )
    await db.commit()


async def _old_document(db: AsyncSession, settings: Settings) -> Attachment:
    """A document on an application decided longer ago than the history period."""
    application = await _submitted(db, settings, AVIAJA)
    document = await documents.receive(
        db, settings, cpr=AVIAJA, data=samples.jpeg(), filename="a.jpg", channel="sms", conversation_id=None
    )
    await _decided_long_ago(db, settings, application)
    return document


async def test_a_purge_that_fails_keeps_the_documents_rows_and_their_files(
    db: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = await _old_document(db, settings)
    document_id, key = document.id, document.storage_key
    files = FilesystemStorage(settings.documents_dir)

    async def fails(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("connection lost")

    monkeypatch.setattr(audit_chain, "purge_before", fails)  # a step after the documents' step
    with pytest.raises(RuntimeError):
        await purge(db, settings)
    await db.rollback()
    assert await db.get(Attachment, document_id, populate_existing=True) is not None
    assert files.path(key).exists()  # the row still refers to it: still there


async def test_a_file_the_storage_fails_to_delete_after_the_purge_is_committed_is_logged_and_left(
    db: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    document = await _old_document(db, settings)
    storage = _Recorded(deletes_fail=True)
    monkeypatch.setattr(documents, "blob_storage", lambda settings: storage)

    counts = await purge(db, settings)
    assert counts["attachments"] == 1
    assert await db.get(Attachment, document.id, populate_existing=True) is None  # committed
    messages = [r.getMessage() for r in caplog.records if document.storage_key in r.getMessage()]
    assert len(messages) == 1 and "deleted by hand" in messages[0]
    assert AVIAJA not in caplog.text


def test_the_ready_made_requests_are_the_same_in_the_service_the_api_and_the_form() -> None:
    from typing import get_args

    from backend.inbox import documents_pages, schemas

    kinds = set(documents.READY_MADE)
    (literal, _none) = get_args(schemas.DocumentRequestBody.model_fields["kind"].annotation)
    assert set(get_args(literal)) == kinds
    assert set(documents_pages.READY_MADE_WORDS) - {""} == kinds
    with pytest.raises(InvalidInput) as refused:  # the form translates the service's message
        documents.request_text("da", None, None)
    assert str(refused.value) == documents_pages.NOTHING_ASKED
