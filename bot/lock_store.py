"""Rasa's lock store from the environment: Redis when REDIS_URL is set, else in memory.

The lock store keeps one conversation's turns in order: a turn waits for the one before it. With
several Rasa replicas the lock must be shared, so every replica uses the same Redis; a replica's own
memory is only enough for the single development instance (no REDIS_URL).

When REDIS_URL is set, Redis is required: the store refuses to start while Redis does not answer,
and a turn whose lock cannot be taken or released fails (Rasa raises `LockError`; the gateway answers
503). It never falls back to a lock in memory, which would let two replicas run one conversation's
turns at the same time.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any
from urllib.parse import urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    InMemoryLockStore,
    LockStore,
    RedisLockStore,
)

logger = logging.getLogger(__name__)

REDIS_URL_ENV = "REDIS_URL"
PROBE_TIMEOUT_SECONDS = 2.0
SOCKET_TIMEOUT_SECONDS = 5.0  # a Redis that stops answering fails the turn after this long


class LockStoreUnavailable(RuntimeError):
    """Redis, configured as the lock store, does not answer."""


class RedisUrlLockStore(RedisLockStore):
    """Rasa's Redis lock store, connected by URL (`redis://[:password@]host:port/db`, `rediss://…`)."""

    def __init__(self, url: str, socket_timeout: float = SOCKET_TIMEOUT_SECONDS) -> None:
        import redis

        self.red = redis.StrictRedis.from_url(
            url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout
        )
        self.key_prefix = DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        LockStore.__init__(self)


class EnvLockStore(LockStore):
    """The lock store bot/endpoints.yml names: Redis at $REDIS_URL, or in memory without it.

    Rasa creates it with `EnvLockStore(endpoint_config=...)`; the URL is read from the environment
    (an unset variable is allowed, unlike `${REDIS_URL}` in endpoints.yml).
    """

    def __init__(self, endpoint_config: Any = None, url: str | None = None) -> None:
        url = (os.environ.get(REDIS_URL_ENV, "") if url is None else url).strip()
        self.backend: LockStore
        if url:
            self.backend = RedisUrlLockStore(url)
            try:
                self.backend.red.ping()
            except Exception as error:
                raise LockStoreUnavailable(
                    f"the Redis lock store at {_without_password(url)} does not answer ({type(error).__name__})"
                ) from error
            logger.info("lock store: Redis at %s", _without_password(url))
        else:
            self.backend = InMemoryLockStore()
            logger.info("lock store: in memory (no %s; one Rasa instance only)", REDIS_URL_ENV)
        super().__init__()

    @property
    def shared(self) -> bool:
        """Whether other Rasa replicas see these locks (Redis)."""
        return isinstance(self.backend, RedisLockStore)

    def get_lock(self, conversation_id: str) -> TicketLock | None:
        return self.backend.get_lock(conversation_id)

    def delete_lock(self, conversation_id: str) -> None:
        self.backend.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self.backend.save_lock(lock)


async def is_reachable(store: Any) -> bool:
    """Whether the lock store answers within a short time (always true in memory)."""
    inner = store.backend if isinstance(store, EnvLockStore) else store
    if not isinstance(inner, RedisLockStore):
        return True
    try:
        await asyncio.wait_for(
            asyncio.get_running_loop().run_in_executor(None, inner.red.ping), PROBE_TIMEOUT_SECONDS
        )
    except Exception as error:
        logger.error("lock store unreachable: %s", type(error).__name__)
        return False
    return True


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{parts.path}"
