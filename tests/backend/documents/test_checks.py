"""The checks before a file is stored: the type by content, size, pages, pixels, HEIC conversion."""

from __future__ import annotations

import dataclasses

import pytest

from backend.config import Settings
from backend.documents.checks import DocumentRefused, check, clean_filename
from tests.backend.documents import samples

LIMITS = Settings(
    mode="development", upload_max_bytes=200_000, upload_max_pages=3, upload_max_pixels=4_000_000
)


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"MZ\x90\x00 an executable", 415, "unsupported_type"),
        (b"<html><script>alert(1)</script></html>", 415, "unsupported_type"),
        (b"GIF89a\x01\x00\x01\x00", 415, "unsupported_type"),
        (b"%PDF-1.7 garbage that is no pdf", 400, "unreadable"),
        (samples.png()[:60], 400, "unreadable"),
        (samples.jpeg()[:40], 400, "unreadable"),
        (b"", 400, "empty"),
        (samples.pdf(4), 400, "too_many_pages"),
        (samples.png_bomb(), 400, "too_many_pixels"),
        (samples.encrypted_pdf(), 400, "encrypted"),
        (b"%PDF-" + b"x" * 210_000, 413, "too_large"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40, 400, "heic_unreadable"),
    ],
    ids=[
        "exe",
        "html",
        "gif",
        "bad-pdf",
        "truncated-png",
        "truncated-jpeg",
        "empty",
        "pages",
        "bomb",
        "encrypted",
        "too-large",
        "bad-heic",
    ],
)
def test_a_bad_file_is_refused_with_its_reason(data: bytes, status: int, code: str) -> None:
    with pytest.raises(DocumentRefused) as refused:
        check(data, "x.pdf", LIMITS)
    assert (refused.value.status, refused.value.code) == (status, code)


def test_the_type_is_decided_by_content_not_by_name() -> None:
    assert check(samples.png(), "lease.pdf", LIMITS).content_type == "image/png"
    assert check(samples.jpeg(), "photo.png", LIMITS).content_type == "image/jpeg"
    checked = check(samples.pdf(3), "scan.jpg", LIMITS)
    assert (checked.content_type, checked.pages, checked.filename) == ("application/pdf", 3, "scan.pdf")


def test_heic_is_converted_to_jpeg_within_the_pixel_limit() -> None:
    checked = check(samples.heic(), "IMG_0001.HEIC", LIMITS)
    assert (checked.content_type, checked.filename, checked.width, checked.height) == (
        "image/jpeg",
        "IMG_0001.jpg",
        64,
        48,
    )
    assert checked.data.startswith(b"\xff\xd8\xff")
    with pytest.raises(DocumentRefused) as refused:
        check(samples.heic(), "big.heic", dataclasses.replace(LIMITS, upload_max_pixels=1000))
    assert refused.value.code == "too_many_pixels"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd", "passwd.pdf"),
        ("C:\\Users\\a\\lejekontrakt.PDF", "lejekontrakt.pdf"),
        ("\u202eevil\u0000.exe", "evil.pdf"),
        ("", "document.pdf"),
        (None, "document.pdf"),
        ("x" * 500 + ".pdf", "x" * 115 + ".pdf"),
    ],
)
def test_file_names_are_plain_text_without_paths(given: str | None, expected: str) -> None:
    assert clean_filename(given, "application/pdf") == expected
