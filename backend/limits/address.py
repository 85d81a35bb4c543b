"""The client's address, trusted from a reverse proxy only when the settings say so.

Sanic resolves it (`request.remote_addr`) from `Forwarded` when it carries `FORWARDED_SECRET`, from
`REAL_IP_HEADER`, or from the `PROXIES_COUNT`-th address from the right of `X-Forwarded-For`; with
none of them configured (the default) every such header is ignored and the socket's peer is used.
"""

from __future__ import annotations

from typing import Any

from sanic import Request

from backend.config import Settings


def proxy_config(settings: Settings) -> dict[str, Any]:
    """Sanic's own proxy settings (`app.config`), from ours."""
    return {
        "FORWARDED_SECRET": settings.forwarded_secret.reveal() or None,
        "PROXIES_COUNT": settings.proxies_count if settings.proxies_count > 0 else None,
        "REAL_IP_HEADER": settings.real_ip_header or None,
    }


def client_address(request: Request) -> str:
    """The address rate limits and the login throttle count by: the proxied client when a trusted
    proxy said so, else the peer."""
    return (request.remote_addr or request.ip or "unknown")[:100]
