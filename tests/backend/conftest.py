"""Backend fixtures: a fresh PostgreSQL database per test run, tables emptied after every test.

Set TEST_DATABASE_URL to run against another server (or `sqlite:////tmp/x.db`).
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from backend.app import create_app
from backend.config import Secret, Settings
from backend.db import create_engine, create_session_factory
from backend.migrations.runner import upgrade_to_head_async
from backend.models import Base
from tests.backend.asgi import start_once_client

ADMIN_URL = os.environ.get("TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
_app_names = itertools.count()


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    explicit = os.environ.get("TEST_DATABASE_URL")
    if explicit:
        await upgrade_to_head_async(explicit)
        yield explicit
        return
    name = f"inissiaq_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        await upgrade_to_head_async(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=database_url).async_database_url)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "engine" not in request.fixturenames:
        return
    engine: AsyncEngine = request.getfixturevalue("engine")
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await conn.execute(table.delete())


@pytest.fixture
async def db(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        mode="development",
        database_url=database_url,
        internal_secret=Secret("test-internal-secret"),
        session_secret=Secret("test-session-secret"),
        # A known demo password: its argon2 hash is computed once per process (backend/inbox/demo.py),
        # not at every start of an application.
        dev_password=Secret("test-Caseworker-pa55"),
        rasa_url="http://127.0.0.1:9",  # nothing listens: tests that need Rasa start their own fake
        background_workers=False,
    )


@pytest.fixture
async def app(settings: Settings, engine: AsyncEngine):  # type: ignore[no-untyped-def]
    """The web application, started on its first request and stopped when the test ends."""
    app = create_app(settings, name=f"inissiaq_test_{next(_app_names)}")
    client = start_once_client(app)
    yield app
    await client.stop()
