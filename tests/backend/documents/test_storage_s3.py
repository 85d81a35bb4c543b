"""Documents in an S3-compatible object store (DOCUMENTS_STORAGE=s3), against a real S3 server: moto's
standalone server, started once for this module on a loopback port. The store only ever holds
ciphertext; a missing object is the same error as a missing file; a citizen's upload reaches the
bucket, the caseworker's download returns the original bytes and the purge deletes the object."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import boto3
import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Secret, Settings
from backend.documents.storage import (
    EncryptedStorage,
    S3Storage,
    StorageUnavailable,
    StoredFileCorrupt,
    StoredFileMissing,
    blob_storage,
    encryption_key,
    s3_client,
    s3_problems,
    storage_for,
)
from backend.models.applications import Application
from backend.models.documents import Attachment
from backend.scheduler import purge
from scripts.ports import free_port
from tests.backend.documents import samples
from tests.backend.documents.test_upload_web import _logged_in, _send
from tests.backend.inbox.factories import create_caseworker, log_in
from tests.servers import python_env, wait_until_serving

KEY = "c" * 32
REGION = "us-east-1"
ACCESS_KEY_ID = "inissiaq-test"
SECRET_ACCESS_KEY = "test-secret-access-key"
_buckets = count()


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """moto's S3-compatible server (`python -m moto.server`) on a loopback port, for the module."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("s3") / "moto.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            env=python_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(
            process,
            lambda: httpx.get(endpoint, timeout=1) is not None,
            what="the S3 server",
            log=log_path,
            not_yet=(httpx.HTTPError,),
        )
        yield endpoint
    finally:
        process.terminate()
        process.wait(timeout=10)


def plain_client(endpoint: str) -> Any:
    """An S3 client of its own, not the product's: what someone reading the bucket would see."""
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture
def bucket(s3_endpoint: str) -> str:
    """A new, empty bucket for each test."""
    name = f"inissiaq-documents-{next(_buckets)}"
    plain_client(s3_endpoint).create_bucket(Bucket=name)
    return name


@pytest.fixture
def settings(settings: Settings, s3_endpoint: str, bucket: str) -> Settings:
    return dataclasses.replace(
        settings,
        documents_storage="s3",
        s3_endpoint_url=s3_endpoint,
        s3_bucket=bucket,
        s3_region=REGION,
        s3_access_key_id=ACCESS_KEY_ID,
        s3_secret_access_key=Secret(SECRET_ACCESS_KEY),
    )


def _objects(endpoint: str, bucket: str) -> dict[str, bytes]:
    client = plain_client(endpoint)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


async def test_a_document_is_stored_read_back_and_deleted_as_ciphertext_in_the_bucket(
    settings: Settings, s3_endpoint: str, bucket: str
) -> None:
    assert isinstance(blob_storage(settings), S3Storage)  # the factory follows DOCUMENTS_STORAGE
    storage = storage_for(settings)
    document = samples.pdf(1, text="CPR 070886-1234")
    await storage.put(KEY, document)

    at_rest = _objects(s3_endpoint, bucket)
    assert list(at_rest) == [KEY]
    assert at_rest[KEY].startswith(b"INQ1")
    assert document not in at_rest[KEY] and b"070886" not in at_rest[KEY] and b"%PDF" not in at_rest[KEY]
    assert await storage.get(KEY) == document

    await storage.delete(KEY)
    assert _objects(s3_endpoint, bucket) == {}
    with pytest.raises(StoredFileMissing):  # the same error as a missing file on the filesystem
        await storage.get(KEY)
    await storage.delete(KEY)  # deleting what is gone is no error, as on the filesystem


async def test_an_object_does_not_decrypt_with_another_key_or_altered_or_under_another_name(
    settings: Settings, s3_endpoint: str, bucket: str
) -> None:
    await storage_for(settings).put(KEY, b"payslip")
    with pytest.raises(StoredFileCorrupt):
        await EncryptedStorage(blob_storage(settings), bytes(32)).get(KEY)  # another DOCUMENTS_KEY
    assert encryption_key(settings) != bytes(32)

    client = plain_client(s3_endpoint)
    sealed = client.get_object(Bucket=bucket, Key=KEY)["Body"].read()
    client.put_object(Bucket=bucket, Key="d" * 32, Body=sealed)  # the same object under another name
    client.put_object(Bucket=bucket, Key=KEY, Body=sealed[:-1] + bytes([sealed[-1] ^ 1]))
    for key in (KEY, "d" * 32):
        with pytest.raises(StoredFileCorrupt):
            await storage_for(settings).get(key)


async def test_a_missing_bucket_or_an_unreachable_store_is_unavailable_not_a_missing_file(
    settings: Settings,
) -> None:
    no_bucket = storage_for(dataclasses.replace(settings, s3_bucket="no-such-bucket"))
    with pytest.raises(StorageUnavailable, match="NoSuchBucket"):
        await no_bucket.get(KEY)
    nothing_listens = dataclasses.replace(settings, s3_endpoint_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StorageUnavailable) as unreachable:
        await storage_for(nothing_listens).put(KEY, b"x")
    assert SECRET_ACCESS_KEY not in str(unreachable.value)
    with pytest.raises(ValueError):
        await storage_for(settings).get("../../etc/passwd")


async def test_a_citizens_upload_reaches_the_bucket_the_caseworker_downloads_it_and_the_purge_deletes_it(
    app, db: AsyncSession, settings: Settings, s3_endpoint: str, bucket: str
) -> None:
    browser = await _logged_in(app, db, settings)
    document = samples.pdf(2, text="Lejekontrakt Aviaja")
    uploaded = await _send(browser, document)
    assert uploaded.status == 201, uploaded.text
    attachment = await db.get(Attachment, uploaded.json["id"])
    assert attachment is not None

    at_rest = _objects(s3_endpoint, bucket)
    assert list(at_rest) == [attachment.storage_key]
    assert b"Lejekontrakt" not in at_rest[attachment.storage_key]
    assert not settings.documents_dir.exists()  # nothing on the local disk

    await create_caseworker(db)
    session = await log_in(app)
    _, download = await app.asgi_client.get(
        f"/api/caseworker/attachments/{attachment.id}/download", headers=session.headers
    )
    assert download.status == 200 and download.body == document

    long_ago = datetime.now(UTC) - timedelta(days=settings.history_retention_days + 5)
    await db.execute(
        update(Application)
        .where(Application.reference == attachment.application_reference)
        .values(status="decided", decision="granted", taken_over_at=long_ago, submitted_at=long_ago)
    )
    await db.commit()
    counts = await purge(db, settings)
    assert counts["attachments"] == 1
    assert _objects(s3_endpoint, bucket) == {}


async def test_when_the_store_does_not_answer_the_citizen_is_told_to_try_later_and_nothing_is_recorded(
    app, db: AsyncSession, settings: Settings, s3_endpoint: str, bucket: str
) -> None:
    browser = await _logged_in(app, db, settings)
    stored = await _send(browser, samples.pdf(1))
    assert stored.status == 201
    plain_client(s3_endpoint).delete_object(Bucket=bucket, Key=stored.json["id"])
    plain_client(s3_endpoint).delete_bucket(Bucket=bucket)  # the store refuses every request now

    refused = await _send(browser, samples.pdf(1))
    assert (refused.status, refused.json["error"]) == (503, "storage_unavailable"), refused.text
    assert "gemme filen" in refused.json["message"]  # Danish, the conversation's language
    assert [a.id for a in (await db.execute(select(Attachment))).scalars()] == [stored.json["id"]]

    await create_caseworker(db)
    session = await log_in(app)
    _, download = await app.asgi_client.get(
        f"/api/caseworker/attachments/{stored.json['id']}/download", headers=session.headers
    )
    assert (download.status, download.json["error"]) == (503, "storage_unavailable")
    assert SECRET_ACCESS_KEY not in download.text


def _s3(**values: Any) -> Settings:
    complete: dict[str, Any] = {
        "documents_storage": "s3",
        "s3_endpoint_url": "https://s3.example.gl",
        "s3_bucket": "inissiaq-documents",
        "s3_region": "eu-north-1",
        "s3_access_key_id": "AKIAEXAMPLE",
        "s3_secret_access_key": Secret("a-secret-that-is-never-shown"),
    }
    return Settings(mode="production", **{**complete, **values})


def _named(settings: Settings) -> list[str]:
    return [problem.split(":")[0] for problem in s3_problems(settings)]


def test_the_s3_settings_are_checked_at_start() -> None:
    assert list(s3_problems(Settings(mode="production"))) == []  # the filesystem needs none of them
    assert list(s3_problems(_s3())) == []
    assert _named(Settings(documents_storage="ftp")) == ["DOCUMENTS_STORAGE"]
    assert _named(Settings(mode="production", documents_storage="s3")) == [
        "S3_ENDPOINT_URL",
        "S3_BUCKET",
        "S3_REGION",
        "S3_ACCESS_KEY_ID",
        "S3_SECRET_ACCESS_KEY",
    ]
    assert _named(_s3(s3_secret_access_key=Secret(""))) == ["S3_SECRET_ACCESS_KEY"]
    for endpoint in (
        "s3.example.gl",
        "ftp://s3.example.gl",
        "https://s3.example.gl:99999",
        "https://s3.example.gl/inissiaq-documents",
        "https://key:a-secret-that-is-never-shown@s3.example.gl",
    ):
        assert _named(_s3(s3_endpoint_url=endpoint)) == ["S3_ENDPOINT_URL"], endpoint
    for name in ("ab", "Inissiaq", "inissiaq_documents", "-inissiaq", "x" * 64):
        assert _named(_s3(s3_bucket=name)) == ["S3_BUCKET"], name
    shown = " ".join(
        s3_problems(_s3(s3_endpoint_url="https://key:a-secret-that-is-never-shown@s3.example.gl"))
    )
    assert "never-shown" not in shown
    assert "never-shown" not in repr(_s3())


def test_one_client_serves_every_request_of_a_configuration() -> None:
    first = s3_client("https://s3.example.gl", "eu-north-1", "AKIAEXAMPLE", "secret")
    assert s3_client("https://s3.example.gl", "eu-north-1", "AKIAEXAMPLE", "secret") is first
    assert first.meta.config.s3["addressing_style"] == "path"
