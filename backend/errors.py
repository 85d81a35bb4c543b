"""Domain exceptions and their mapping to HTTP answers, in one place."""

from __future__ import annotations

from typing import Any

from sanic import Request, Sanic
from sanic.exceptions import SanicException
from sanic.response import JSONResponse, json


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", *, code: str | None = None) -> None:
        super().__init__(message or self.code)
        if code:
            self.code = code

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": str(self)}

    def headers(self) -> dict[str, str]:
        return {}


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status = 413
    code = "too_large"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class TooManyRequests(DomainError):
    status = 429
    code = "rate_limited"


class RateLimited(TooManyRequests):
    """Over an abuse limit: 429 with `Retry-After` (seconds); the message is written for the citizen."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))

    def body(self) -> dict[str, Any]:
        return {**super().body(), "retry_after": self.retry_after}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class UpstreamUnavailable(DomainError):
    status = 503
    code = "upstream_unavailable"


def register_error_handlers(app: Sanic) -> None:
    @app.exception(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        return json(exc.body(), status=exc.status, headers=exc.headers())

    @app.exception(SanicException)
    async def _sanic(request: Request, exc: SanicException) -> JSONResponse:
        status = getattr(exc, "status_code", 500) or 500
        return json({"error": "http_error", "message": str(exc)}, status=status)

    @app.exception(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        app.ctx.logger.exception("unhandled error on %s %s", request.method, request.path)
        return json({"error": "internal_error", "message": "internal error"}, status=500)
