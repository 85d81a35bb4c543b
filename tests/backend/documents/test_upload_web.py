"""POST /api/chat/attachments: a logged-in citizen's documents are checked, encrypted and stored; every
bad file gets a clear answer in the citizen's language and nothing is stored."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.documents.storage import FilesystemStorage, storage_for
from backend.models.audit import AuditEntry
from backend.models.conversations import ChatMessage
from backend.models.documents import Attachment
from tests.backend.applications.factories import AVIAJA
from tests.backend.channels.support import Browser
from tests.backend.documents import samples
from tests.backend.inbox.test_applications import _submitted

URL = "/api/chat/attachments"


async def _logged_in(app, db: AsyncSession, settings: Settings, language: str = "da") -> Browser:  # type: ignore[no-untyped-def]
    await _submitted(db, settings, AVIAJA)
    browser = Browser(app)
    assert (await browser.login(AVIAJA)).status == 200
    await browser.request("GET", "/api/chat/history")
    from backend.auth.sessions import COOKIE, hash_token
    from backend.models.conversations import Conversation, WebSession

    session = await db.get(WebSession, hash_token(browser.token or ""))
    assert session is not None
    conversation = await db.get(Conversation, session.conversation_id)
    assert conversation is not None
    conversation.language = language
    await db.commit()
    assert COOKIE
    return browser


async def _send(browser: Browser, data: bytes, filename: str = "lejekontrakt.pdf", **kwargs):  # type: ignore[no-untyped-def]
    return await browser.request(
        "POST", URL, files={"file": (filename, data, "application/octet-stream")}, **kwargs
    )


async def _stored(db: AsyncSession) -> int:
    return (await db.execute(select(func.count()).select_from(Attachment))).scalar_one()


async def test_a_pdf_is_stored_encrypted_tied_to_the_application_and_confirmed(
    app, db: AsyncSession, settings: Settings
) -> None:
    browser = await _logged_in(app, db, settings)
    document = samples.pdf(2, text="Lejekontrakt Aviaja")
    response = await _send(browser, document, filename="../../lejekontrakt.exe")
    assert response.status == 201, response.text
    answer = response.json
    assert answer["filename"] == "lejekontrakt.pdf"  # no path, the extension of what it is
    assert (answer["content_type"], answer["size"]) == ("application/pdf", len(document))
    assert "lejekontrakt.pdf" in answer["message"]["text"] and "Tak" in answer["message"]["text"]  # Danish

    attachment = await db.get(Attachment, answer["id"])
    assert attachment is not None and attachment.person_cpr == AVIAJA
    assert attachment.application_reference is not None and attachment.scan_state == "not_scanned"
    on_disk = FilesystemStorage(settings.documents_dir).path(attachment.storage_key).read_bytes()
    assert b"Lejekontrakt" not in on_disk and document not in on_disk  # encrypted at rest
    assert await storage_for(settings).get(attachment.storage_key) == document
    transcript = (
        (await db.execute(select(ChatMessage.text).where(ChatMessage.sender == "bot"))).scalars().all()
    )
    assert answer["message"]["text"] in transcript
    audited = (await db.execute(select(AuditEntry).where(AuditEntry.action == "document_received"))).scalars()
    assert [e.person_cpr for e in audited] == [AVIAJA]

    heic = await _send(browser, samples.heic(), filename="IMG_0001.HEIC")  # converted
    assert (heic.status, heic.json["content_type"], heic.json["filename"]) == (
        201,
        "image/jpeg",
        "IMG_0001.jpg",
    )
    png = await _send(browser, samples.png(), filename="foto.png")
    assert (png.status, png.json["content_type"]) == (201, "image/png")
    assert await _stored(db) == 3


async def test_an_anonymous_upload_is_401_and_nothing_is_stored(app, db: AsyncSession) -> None:
    browser = Browser(app)
    response = await _send(browser, samples.pdf())
    assert response.status == 401 and response.json["error"] == "login_required"
    assert await _stored(db) == 0


# Each kind of bad file is refused in tests/backend/documents/test_checks.py; here, how the refusals
# reach the browser: status, code and the message in the conversation's language.
BAD_FILES = [
    (b"MZ\x90\x00 an executable", 415, "unsupported_type", "PDF"),
    (b"%PDF-1.7 garbage that is no pdf", 400, "unreadable", "åbne"),
    (b"%PDF-" + b"x" * 210_000, 413, "too_large", "kB"),
]


async def test_bad_files_and_envelopes_get_a_clear_answer_in_the_citizens_language_and_nothing_is_stored(
    app, db: AsyncSession, settings: Settings
) -> None:
    browser = await _logged_in(app, db, settings)
    for data, status, code, words in BAD_FILES:
        response = await _send(browser, data)
        assert (response.status, response.json["error"]) == (status, code), response.text
        assert words in response.json["message"]  # Danish, the conversation's language

    as_json = await browser.request("POST", URL, json={"file": "x"})
    assert as_json.status == 415
    no_file = await browser.request("POST", URL, files={"other": ("a.pdf", samples.pdf(), "application/pdf")})
    assert (no_file.status, no_file.json["error"]) == (400, "invalid_input")
    broken = await browser.request(
        "POST",
        URL,
        content=b'--xyz\r\nContent-Disposition: form-data; name="file"\r\n\r\n\xff\xfe',
        headers={"content-type": "multipart/form-data; boundary=xyz"},
    )
    assert broken.status == 400
    cross_site = await _send(browser, samples.pdf(), headers={"origin": "https://evil.example"})
    assert cross_site.status == 403

    assert await _stored(db) == 0
    assert not settings.documents_dir.exists() or not any(
        p.is_file() for p in settings.documents_dir.rglob("*")
    )
