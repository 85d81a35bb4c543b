"""The malware-scan hook: ClamAV's daemon (clamd) over its socket, when configured.

`CLAMD_SOCKET` (a Unix socket path) or `CLAMD_ADDRESS` (host:port) names the daemon; the file is sent
with clamd's INSTREAM command (4-byte big-endian length-prefixed chunks, a zero-length chunk to end)
and the answer is `stream: OK` or `stream: <signature> FOUND`. Neither set: the file is stored as
"not scanned", which the caseworker sees. Set but unreachable or answering anything else: the file is
refused for now (never stored unscanned when scanning was asked for).
"""

from __future__ import annotations

import asyncio
import struct

from backend.config import Settings
from backend.documents import texts
from backend.documents.checks import DocumentRefused

CLEAN, NOT_SCANNED = "clean", "not_scanned"
CHUNK = 64 * 1024
TIMEOUT_SECONDS = 30.0


def configured(settings: Settings) -> bool:
    return bool(settings.clamd_socket or settings.clamd_address)


async def _open(settings: Settings) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if settings.clamd_socket:
        return await asyncio.open_unix_connection(settings.clamd_socket)
    host, _, port = settings.clamd_address.rpartition(":")
    return await asyncio.open_connection(host.strip("[]"), int(port))


async def _instream(settings: Settings, data: bytes) -> str:
    reader, writer = await _open(settings)
    try:
        writer.write(b"zINSTREAM\0")
        for start in range(0, len(data), CHUNK):
            chunk = data[start : start + CHUNK]
            writer.write(struct.pack(">I", len(chunk)) + chunk)
            await writer.drain()
        writer.write(struct.pack(">I", 0))
        await writer.drain()
        answer = await reader.readuntil(b"\0")
        return answer.rstrip(b"\0").decode("utf-8", "replace").strip()
    finally:
        writer.close()


async def scan(data: bytes, settings: Settings) -> str:
    """CLEAN or NOT_SCANNED; DocumentRefused when clamd found something or could not answer."""
    if not configured(settings):
        return NOT_SCANNED
    try:
        answer = await asyncio.wait_for(_instream(settings, data), timeout=TIMEOUT_SECONDS)
    except (OSError, ValueError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
        raise DocumentRefused(texts.NOT_CHECKED, code="scan_unavailable", status=503) from error
    if answer.endswith("FOUND"):
        raise DocumentRefused(texts.INFECTED, code="malware", status=422)
    if answer.endswith("OK"):
        return CLEAN
    raise DocumentRefused(texts.NOT_CHECKED, code="scan_unavailable", status=503)
