"""Where the documents' bytes live: outside the database, encrypted at rest.

`Storage` is the interface (put, get, delete by key; a missing key is `StoredFileMissing`). Two
implementations keep the blobs, chosen by `DOCUMENTS_STORAGE`: `FilesystemStorage` (the default) keeps
one file per key under `DOCUMENTS_DIR` (default var/documents), written atomically with mode 0600;
`S3Storage` keeps one object per key in the bucket `S3_BUCKET` of an S3-compatible object store
(`S3_ENDPOINT_URL`, boto3 in a worker thread). `EncryptedStorage` wraps either with AES-256-GCM
(`cryptography`): each blob is `INQ1 | 12-byte random nonce | ciphertext+tag`, the key name bound in
as associated data, so a blob copied under another key, or altered, does not decrypt, and the object
store only ever holds ciphertext. The key is `DOCUMENTS_KEY` (base64 of 32 bytes), required in
production and checked when a process starts; in development without it, a key derived from the
session secret.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend.config import Settings
from backend.errors import UpstreamUnavailable

KEY_PATTERN = re.compile(r"^[0-9a-f]{32}$")
MAGIC = b"INQ1"
NONCE_BYTES = 12
BACKENDS = ("filesystem", "s3")
# S3's rule for bucket names: 3-63 lowercase letters, digits, dots and hyphens, a letter or digit at
# each end.
BUCKET_PATTERN = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
S3_MISSING = frozenset({"NoSuchKey", "404", "NotFound"})


class StoredFileMissing(Exception):
    """No blob under the key (purged, or never written)."""


class StoredFileCorrupt(Exception):
    """The blob does not decrypt with the configured key (altered, or another key)."""


class StorageUnavailable(UpstreamUnavailable):
    """The object store could not be reached or refused the request (not a missing key): 503."""

    code = "storage_unavailable"


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


class S3Storage:
    """One object per key in a bucket of an S3-compatible object store. boto3's client is thread-safe
    and blocking, so each call runs in a worker thread. Errors other than a missing key are
    `StorageUnavailable`, naming the operation and S3's error code only."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def _put(self, key: str, data: bytes) -> None:
        self._call("put", self.client.put_object, Bucket=self.bucket, Key=_checked_key(key), Body=data)

    def _get(self, key: str) -> bytes:
        answer = self._call("get", self.client.get_object, Bucket=self.bucket, Key=_checked_key(key))
        if answer is None:
            raise StoredFileMissing(key)
        body = answer["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

    def _delete(self, key: str) -> None:
        # S3 answers a delete of a missing key with success, like FilesystemStorage.
        self._call("delete", self.client.delete_object, Bucket=self.bucket, Key=_checked_key(key))

    def _call(self, operation: str, method: Any, **arguments: Any) -> Any:
        """The answer of one S3 request; None for a missing key."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return method(**arguments)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in S3_MISSING:
                return None
            raise StorageUnavailable(
                f"the document storage refused S3 {operation}: {code or 'error'}"
            ) from error
        except BotoCoreError as error:
            raise StorageUnavailable(
                f"the document storage did not answer S3 {operation}: {type(error).__name__}"
            ) from error

    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes:
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, key)


@functools.lru_cache(maxsize=4)
def s3_client(endpoint_url: str, region: str, access_key_id: str, secret_access_key: str) -> Any:
    """A boto3 S3 client for an S3-compatible store, made once per configuration (creating one loads
    botocore's service model). Path-style addresses (`endpoint/bucket/key`), which every
    S3-compatible server understands; checksums only where S3 requires them, since not every
    S3-compatible server accepts the newer ones boto3 adds by default."""
    import boto3
    from botocore.config import Config

    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": "path"},
        connect_timeout=5,
        read_timeout=30,
        retries={"mode": "standard", "max_attempts": 3},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=config,
    )


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
    """The encrypted blobs themselves, where DOCUMENTS_STORAGE says: enough to delete them, no key
    needed (the purge)."""
    if settings.documents_storage == "s3":
        client = s3_client(
            settings.s3_endpoint_url,
            settings.s3_region,
            settings.s3_access_key_id,
            settings.s3_secret_access_key.reveal(),
        )
        return S3Storage(client, settings.s3_bucket)
    return FilesystemStorage(settings.documents_dir)


def storage_for(settings: Settings) -> Storage:
    """The configured document storage (the filesystem or the S3 bucket), encrypted."""
    return EncryptedStorage(blob_storage(settings), encryption_key(settings))


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


def s3_problems(settings: Settings) -> Iterable[str]:
    """Start-up check (every process): DOCUMENTS_STORAGE is filesystem or s3; with s3 (in every mode:
    nothing falls back to AWS's own credential chain or files) every S3 setting is set, the endpoint
    is an http(s) URL of the server alone and the bucket a valid name. The secret is never shown."""
    if settings.documents_storage not in BACKENDS:
        yield f"DOCUMENTS_STORAGE: {settings.documents_storage!r} is not one of {', '.join(BACKENDS)}"
        return
    if settings.documents_storage != "s3":
        return
    required = {
        "S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "S3_BUCKET": settings.s3_bucket,
        "S3_REGION": settings.s3_region,
        "S3_ACCESS_KEY_ID": settings.s3_access_key_id,
        "S3_SECRET_ACCESS_KEY": settings.s3_secret_access_key.reveal(),
    }
    for name, value in required.items():
        if not value:
            yield f"{name}: required with DOCUMENTS_STORAGE=s3"
    if settings.s3_endpoint_url:
        yield from _endpoint_problems(settings.s3_endpoint_url)
    if settings.s3_bucket and not BUCKET_PATTERN.match(settings.s3_bucket):
        yield (
            f"S3_BUCKET: {settings.s3_bucket!r} is not a bucket name "
            "(3-63 lowercase letters, digits, dots and hyphens)"
        )


def _endpoint_problems(url: str) -> Iterable[str]:
    if "@" in url:  # not echoed: it may hold a password
        yield "S3_ENDPOINT_URL: must not hold credentials (they are S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY)"
        return
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number or out of range
    except ValueError:
        yield f"S3_ENDPOINT_URL: {url!r} is not a URL"
        return
    if parts.scheme not in ("http", "https") or not parts.hostname:
        yield f"S3_ENDPOINT_URL: {url!r} is not an http(s) URL with a host"
    elif parts.path.strip("/") or parts.query or parts.fragment:
        yield f"S3_ENDPOINT_URL: {url!r} must be the server alone (the bucket is S3_BUCKET)"


def production_problems(settings: Settings) -> Iterable[str]:
    """Start-up check (serving processes): production needs its own DOCUMENTS_KEY."""
    if settings.mode == "production" and not settings.documents_key.reveal():
        yield "DOCUMENTS_KEY: required in production (base64 of 32 random bytes; documents are encrypted with it)"
