"""The shared-secret bearer check for every `/internal/*` route (action server, Rasa, NLG).

Usage: decorate a handler with `@internal_only`, or call `require_internal_secret(request)`.
An empty configured secret rejects every call, so a misconfigured deployment fails closed.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sanic import Request

from backend.errors import Unauthorized

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Any]])


def bearer_matches(authorization: str | None, secret: str) -> bool:
    """Constant-time comparison of an `Authorization: Bearer <token>` header with the secret."""
    if not secret or not authorization:
        return False
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(token.strip().encode("utf-8"), secret.encode("utf-8"))


def require_internal_secret(request: Request) -> None:
    """Raise Unauthorized (401) unless the request carries the internal bearer secret."""
    secret = str(request.app.ctx.settings.internal_secret)
    if not bearer_matches(request.headers.get("authorization"), secret):
        raise Unauthorized("missing or wrong internal secret")


def internal_only(handler: Handler) -> Handler:
    """Decorator for Sanic handlers: reject the request before the handler runs without the secret."""

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Any:
        require_internal_secret(request)
        return await handler(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
