"""Where the documents' bytes live: outside the database, encrypted at rest.

`Storage` is the interface (put, get, delete by key). `FilesystemStorage` keeps one file per key under
`DOCUMENTS_DIR` (default var/documents), written atomically with mode 0600. `EncryptedStorage` wraps
any storage with AES-256-GCM (`cryptography`): each blob is `INQ1 | 12-byte random nonce |
ciphertext+tag`, the key name bound in as associated data, so a blob copied under another key, or
altered, does not decrypt. The key is `DOCUMENTS_KEY` (base64 of 32 bytes), required in production
and checked when a process starts; in development without it, a key derived from the session secret.

An S3-compatible implementation is not part of this module: no S3-compatible server could be
installed here to test one against (docs/inbox.md).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.config import Settings

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MAGIC = b"INQ1"
NONCE_BYTES = 12


class StoredFileMissing(Exception):
    """No blob under the key (purged, or never written)."""


class StoredFileCorrupt(Exception):
    """The blob does not decrypt with the configured key (altered, or another key)."""


class Storage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> None: ...


def _checked_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise ValueError("storage keys are 32 lowercase hex characters")
    return key


class FilesystemStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        key = _checked_key(key)
        return self.root / key[:2] / key

    def _put(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{key}.{os.getpid()}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    def _get(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error

    def _delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, key)


class EncryptedStorage:
    def __init__(self, inner: Storage, key: bytes) -> None:
        self.inner = inner
        self._aead = AESGCM(key)

    async def put(self, key: str, data: bytes) -> None:
        nonce = os.urandom(NONCE_BYTES)
        sealed = MAGIC + nonce + self._aead.encrypt(nonce, data, _checked_key(key).encode())
        await self.inner.put(key, sealed)

    async def get(self, key: str) -> bytes:
        sealed = await self.inner.get(key)
        if not sealed.startswith(MAGIC) or len(sealed) < len(MAGIC) + NONCE_BYTES + 16:
            raise StoredFileCorrupt(key)
        nonce = sealed[len(MAGIC) : len(MAGIC) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, sealed[len(MAGIC) + NONCE_BYTES :], key.encode())
        except InvalidTag as error:
            raise StoredFileCorrupt(key) from error

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)


def encryption_key(settings: Settings) -> bytes:
    """DOCUMENTS_KEY decoded; in development without one, derived from the session secret."""
    configured = settings.documents_key.reveal()
    if configured:
        return base64.b64decode(configured, validate=True)
    if not settings.development:
        raise ValueError("DOCUMENTS_KEY is required in production")
    seed = b"inissiaq development documents key|" + settings.session_secret.reveal().encode()
    return hashlib.sha256(seed).digest()


def blob_storage(settings: Settings) -> Storage:
    """The encrypted blobs themselves: enough to delete them, no key needed (the purge)."""
    return FilesystemStorage(settings.documents_dir)


def storage_for(settings: Settings) -> Storage:
    """The configured document storage: the filesystem under DOCUMENTS_DIR, encrypted."""
    return EncryptedStorage(FilesystemStorage(settings.documents_dir), encryption_key(settings))


def key_problems(settings: Settings) -> Iterable[str]:
    """Start-up check (every process): DOCUMENTS_KEY, when set, is base64 of exactly 32 bytes; the
    clamd address is host:port."""
    configured = settings.documents_key.reveal()
    if configured:
        try:
            key = base64.b64decode(configured, validate=True)
        except (binascii.Error, ValueError):
            key = b""
        if len(key) != 32:
            yield "DOCUMENTS_KEY: must be base64 of 32 random bytes (e.g. `openssl rand -base64 32`)"
    if settings.clamd_address:
        host, _, port = settings.clamd_address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            yield "CLAMD_ADDRESS: must be host:port (e.g. 127.0.0.1:3310)"


def production_problems(settings: Settings) -> Iterable[str]:
    """Start-up check (serving processes): production needs its own DOCUMENTS_KEY."""
    if settings.mode == "production" and not settings.documents_key.reveal():
        yield "DOCUMENTS_KEY: required in production (base64 of 32 random bytes; documents are encrypted with it)"
