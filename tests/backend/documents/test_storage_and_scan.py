"""Encryption at rest (the stored bytes are not the file; a changed blob or another key does not
decrypt), the key's start-up check, and the malware scan through a clamd speaking its INSTREAM
protocol on a Unix socket."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from backend.config import Secret, Settings
from backend.documents import scan
from backend.documents.checks import DocumentRefused
from backend.documents.storage import (
    EncryptedStorage,
    FilesystemStorage,
    StoredFileCorrupt,
    StoredFileMissing,
    key_problems,
    production_problems,
)
from tests.backend.documents import samples

KEY = "a" * 32
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


async def test_stored_bytes_are_encrypted_and_bound_to_their_key(tmp_path: Path) -> None:
    files = FilesystemStorage(tmp_path)
    storage = EncryptedStorage(files, bytes(range(32)))
    document = samples.pdf(1, text="CPR 070886-1234")
    await storage.put(KEY, document)
    on_disk = files.path(KEY).read_bytes()
    assert document not in on_disk and b"070886" not in on_disk and b"%PDF" not in on_disk
    assert oct(files.path(KEY).stat().st_mode)[-3:] == "600"
    assert await storage.get(KEY) == document

    with pytest.raises(StoredFileCorrupt):
        await EncryptedStorage(files, bytes(32)).get(KEY)  # another key
    tampered = bytearray(on_disk)
    tampered[-1] ^= 1
    files.path(KEY).write_bytes(bytes(tampered))
    with pytest.raises(StoredFileCorrupt):
        await storage.get(KEY)
    files.path("b" * 32).parent.mkdir(parents=True, exist_ok=True)
    files.path("b" * 32).write_bytes(on_disk)  # the same blob under another key
    with pytest.raises(StoredFileCorrupt):
        await storage.get("b" * 32)
    await storage.delete(KEY)
    with pytest.raises(StoredFileMissing):
        await storage.get(KEY)
    with pytest.raises(ValueError):
        files.path("../../etc/passwd")


def test_the_key_is_checked_at_start() -> None:
    good = Secret(base64.b64encode(bytes(32)).decode())
    assert list(key_problems(Settings(documents_key=good))) == []
    for bad in ("not base64!", base64.b64encode(bytes(16)).decode()):
        assert [p.split(":")[0] for p in key_problems(Settings(documents_key=Secret(bad)))] == [
            "DOCUMENTS_KEY"
        ]
    assert [p.split(":")[0] for p in production_problems(Settings(mode="production"))] == ["DOCUMENTS_KEY"]
    assert list(production_problems(Settings(mode="development"))) == []
    assert [p.split(":")[0] for p in key_problems(Settings(clamd_address="nohost"))] == ["CLAMD_ADDRESS"]


@pytest.fixture
async def clamd(tmp_path: Path) -> AsyncIterator[Path]:
    """A daemon answering INSTREAM like clamd: FOUND for the EICAR test string, OK otherwise."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert await reader.readuntil(b"\0") == b"zINSTREAM\0"
        received = b""
        while size := struct.unpack(">I", await reader.readexactly(4))[0]:
            received += await reader.readexactly(size)
        writer.write(b"stream: Eicar-Signature FOUND\0" if EICAR in received else b"stream: OK\0")
        await writer.drain()
        writer.close()

    path = tmp_path / "clamd.sock"
    server = await asyncio.start_unix_server(handle, path=str(path))
    async with server:
        yield path


async def test_the_scan_passes_clean_files_and_refuses_malware(clamd: Path) -> None:
    settings = Settings(clamd_socket=str(clamd))
    assert await scan.scan(samples.pdf(), settings) == scan.CLEAN
    assert await scan.scan(samples.png() * 40, settings) == scan.CLEAN  # several chunks
    with pytest.raises(DocumentRefused) as refused:
        await scan.scan(b"%PDF-1.4\n" + EICAR, settings)
    assert (refused.value.status, refused.value.code) == (422, "malware")


async def test_without_a_scanner_files_are_not_scanned_and_an_unreachable_one_refuses(tmp_path: Path) -> None:
    assert await scan.scan(samples.pdf(), Settings()) == scan.NOT_SCANNED
    gone = dataclasses.replace(Settings(), clamd_socket=str(tmp_path / "nothing.sock"))
    with pytest.raises(DocumentRefused) as refused:
        await scan.scan(samples.pdf(), gone)
    assert (refused.value.status, refused.value.code) == (503, "scan_unavailable")
