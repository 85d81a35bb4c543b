"""Documents a caseworker asks the citizen for (komplettering) and the files the citizen sends.

The file's bytes are never in the database: `storage_key` names them in the document storage
(backend/documents/storage.py), encrypted at rest.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class DocumentRequest(Base):
    """A caseworker's request for documents on an application; open until a file arrives for it."""

    __tablename__ = "document_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_reference: Mapped[str] = mapped_column(String(20), index=True)
    person_cpr: Mapped[str] = mapped_column(String(10), index=True)
    text: Mapped[str] = mapped_column(Text)
    message_id: Mapped[int | None] = mapped_column(Integer)  # the secure message that asked
    requested_by: Mapped[int] = mapped_column(Integer)  # caseworker id
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    fulfilled_at: Mapped[datetime | None]  # the first document arrived


class Attachment(Base):
    """One file the citizen sent, checked and stored; tied to the open request or the latest
    application of the person, when there is one."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, not guessable
    person_cpr: Mapped[str] = mapped_column(String(10), index=True)
    application_reference: Mapped[str | None] = mapped_column(String(20), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("document_requests.id", ondelete="SET NULL"))
    conversation_id: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))  # web | sms | telegram
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))  # application/pdf | image/jpeg | image/png
    size: Mapped[int] = mapped_column(Integer)  # bytes of the stored (plaintext) file
    pages: Mapped[int | None] = mapped_column(Integer)  # PDF pages
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    scan_state: Mapped[str] = mapped_column(String(16))  # clean | not_scanned
    storage_key: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
