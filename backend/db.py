"""Engine and session factory. DAO functions take an AsyncSession and never commit on their own."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def create_engine(async_url: str) -> AsyncEngine:
    """Every engine of the backend, Alembic's included. SQL parameters (CPR numbers, phone numbers)
    are never written into error messages or SQL logs (`hide_parameters`)."""
    if async_url.startswith("sqlite"):
        engine = create_async_engine(async_url, connect_args={"timeout": 30}, hide_parameters=True)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_async_engine(
        async_url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def upsert_insert(db: AsyncSession, model: Any) -> Any:
    """An INSERT for the session's database that knows ON CONFLICT (PostgreSQL's or SQLite's)."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
