"""Checks a file passes before it is stored: type by content, size, pages, pixels.

The type is decided by the file's first bytes, never by its name or the Content-Type the sender
claims. PDF, JPEG and PNG are kept as sent; HEIC (iPhone photos) is converted to JPEG with pillow-heif.
Images are opened lazily: their dimensions are read from the header and refused above the pixel limit
before anything is decoded (a decompression bomb is never expanded); then the image is decoded once to
prove it is readable (JPEG at 1/8 scale). PDFs are parsed with pypdf: unreadable, password-protected
or too long ones are refused.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from dataclasses import dataclass
from typing import Any

from PIL import Image

from backend.config import Settings
from backend.documents import texts
from backend.errors import DomainError

PDF, JPEG, PNG, HEIC = "application/pdf", "image/jpeg", "image/png", "image/heic"
ALLOWED = (PDF, JPEG, PNG)
EXTENSIONS = {PDF: ".pdf", JPEG: ".jpg", PNG: ".png"}
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
MAX_FILENAME = 120


class DocumentRefused(DomainError):
    """A file that is not stored; `msgid` (with `arguments`) tells the citizen why, in their language."""

    status = 400
    code = "bad_file"

    def __init__(self, msgid: str, *, code: str | None = None, status: int | None = None, **arguments: Any):
        super().__init__(msgid, code=code)
        self.msgid = msgid
        self.arguments = arguments
        if status is not None:
            self.status = status


@dataclass(frozen=True)
class Checked:
    data: bytes
    filename: str
    content_type: str
    pages: int | None = None
    width: int | None = None
    height: int | None = None


def sniff(data: bytes) -> str | None:
    """The type by the file's first bytes: PDF, JPEG, PNG or HEIC; None for anything else."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data[4:8] == b"ftyp" and data[8:12] in HEIC_BRANDS:
        return HEIC
    return None


def human_size(size: int) -> str:
    return f"{size // (1024 * 1024)} MB" if size >= 1024 * 1024 else f"{max(1, size // 1024)} kB"


def clean_filename(name: str | None, content_type: str) -> str:
    """The sender's file name as plain text: no path, no control or formatting characters, bounded,
    and with the extension of the type found (a "lease.exe" that is a PDF becomes "lease.pdf")."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] not in "CZ" or c == " ").strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[: MAX_FILENAME - 5].strip() or "document"
    return stem + EXTENSIONS[content_type]


def check(data: bytes, filename: str | None, settings: Settings) -> Checked:
    """The file as it will be stored, or DocumentRefused (415 type, 413 size, 400 otherwise).
    CPU-bound: call it in a thread."""
    if len(data) > settings.upload_max_bytes:
        raise DocumentRefused(
            texts.TOO_LARGE, code="too_large", status=413, limit=human_size(settings.upload_max_bytes)
        )
    if not data:
        raise DocumentRefused(texts.UNREADABLE, code="empty")
    kind = sniff(data)
    if kind is None:
        raise DocumentRefused(texts.WRONG_TYPE, code="unsupported_type", status=415)
    if kind == HEIC:
        data = heic_to_jpeg(data, settings)
        kind = JPEG
    if kind == PDF:
        pages = pdf_pages(data, settings)
        return Checked(data, clean_filename(filename, PDF), PDF, pages=pages)
    width, height = image_size(data, kind, settings)
    return Checked(data, clean_filename(filename, kind), kind, width=width, height=height)


def pdf_pages(data: bytes, settings: Settings) -> int:
    from pypdf import PdfReader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise DocumentRefused(texts.ENCRYPTED, code="encrypted")
            pages = len(reader.pages)
    except DocumentRefused:
        raise
    except Exception as error:  # pypdf raises many kinds on hostile input; all mean "not a readable PDF"
        raise DocumentRefused(texts.UNREADABLE, code="unreadable") from error
    if pages < 1:
        raise DocumentRefused(texts.UNREADABLE, code="unreadable")
    if pages > settings.upload_max_pages:
        raise DocumentRefused(texts.TOO_MANY_PAGES, code="too_many_pages", limit=settings.upload_max_pages)
    return pages


def image_size(data: bytes, kind: str, settings: Settings) -> tuple[int, int]:
    """Width and height after checking the pixel limit from the header and decoding the image once."""
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG" if kind == JPEG else "PNG"]) as image:
            width, height = image.size
            if width < 1 or height < 1:
                raise DocumentRefused(texts.UNREADABLE, code="unreadable")
            if width * height > settings.upload_max_pixels:
                raise DocumentRefused(texts.TOO_MANY_PIXELS, code="too_many_pixels")
            if kind == JPEG:
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                image.load()
    except DocumentRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise DocumentRefused(texts.TOO_MANY_PIXELS, code="too_many_pixels") from error
    except Exception as error:  # truncated or corrupt image data: Pillow raises OSError, SyntaxError, ...
        raise DocumentRefused(texts.UNREADABLE, code="unreadable") from error
    return width, height


def heic_to_jpeg(data: bytes, settings: Settings) -> bytes:
    """An iPhone photo converted to JPEG (quality 90), the pixel limit checked before decoding."""
    try:
        import pillow_heif
    except ImportError as error:  # not installed: refused clearly
        raise DocumentRefused(texts.HEIC_REFUSED, code="heic_unsupported", status=415) from error
    try:
        heif = pillow_heif.open_heif(data, convert_hdr_to_8bit=True)
        width, height = heif.size
        if width * height > settings.upload_max_pixels:
            raise DocumentRefused(texts.TOO_MANY_PIXELS, code="too_many_pixels")
        image = heif.to_pillow().convert("RGB")
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=90)
        return out.getvalue()
    except DocumentRefused:
        raise
    except Exception as error:
        raise DocumentRefused(texts.HEIC_REFUSED, code="heic_unreadable") from error
