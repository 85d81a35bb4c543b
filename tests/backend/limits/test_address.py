"""The client address comes from a reverse proxy's headers only when the settings trust that proxy."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from sanic import Request, Sanic
from sanic.response import json

from backend.app import create_app
from backend.config import Secret, Settings
from backend.limits import client_address

_names = itertools.count()
FORGED = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9", "Forwarded": "for=203.0.113.9"}


def echo_app(settings: Settings, **overrides: object) -> Sanic:
    app = create_app(replace(settings, **overrides), name=f"inissiaq_test_address_{next(_names)}")  # type: ignore[arg-type]

    async def address(request: Request):  # type: ignore[no-untyped-def]
        return json({"address": client_address(request), "peer": request.ip})

    app.add_route(address, "/test/address")
    return app


async def seen(app: Sanic, headers: dict[str, str]) -> dict[str, str]:
    _, response = await app.asgi_client.get("/test/address", headers=headers)
    return response.json


async def test_by_default_forwarding_headers_are_ignored_and_the_peer_counts(settings) -> None:
    answer = await seen(echo_app(settings), FORGED)
    assert answer["address"] == answer["peer"] != "203.0.113.9"


async def test_behind_one_proxy_the_address_it_appended_counts(settings) -> None:
    app = echo_app(settings, proxies_count=1)
    # The client may send its own X-Forwarded-For; the proxy appends the address it saw: the last one.
    answer = await seen(app, {"X-Forwarded-For": "10.9.9.9, 198.51.100.7"})
    assert answer["address"] == "198.51.100.7"
    without = await seen(app, {})
    assert without["address"] == without["peer"]  # no header: the peer


async def test_two_proxies_count_the_second_address_from_the_right(settings) -> None:
    app = echo_app(settings, proxies_count=2)
    answer = await seen(app, {"X-Forwarded-For": "10.9.9.9, 198.51.100.7, 192.0.2.1"})
    assert answer["address"] == "198.51.100.7"


@pytest.mark.parametrize(
    ("header", "trusted"),
    [("for=198.51.100.7;secret=proxy-secret", True), ("for=198.51.100.7;secret=guessed", False)],
)
async def test_a_forwarded_header_counts_only_with_the_proxys_secret(
    settings, header: str, trusted: bool
) -> None:
    app = echo_app(settings, forwarded_secret=Secret("proxy-secret"))
    answer = await seen(app, {"Forwarded": header})
    assert answer["address"] == ("198.51.100.7" if trusted else answer["peer"])


async def test_a_configured_real_ip_header_counts(settings) -> None:
    app = echo_app(settings, real_ip_header="X-Real-IP")
    assert (await seen(app, {"X-Real-IP": "198.51.100.7"}))["address"] == "198.51.100.7"
    other = await seen(app, {"X-Forwarded-For": "203.0.113.9"})
    assert other["address"] == other["peer"]


def test_the_settings_read_the_proxy_configuration_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("FORWARDED_SECRET", "s3cret")
    monkeypatch.setenv("PROXIES_COUNT", "1")
    monkeypatch.setenv("REAL_IP_HEADER", "X-Real-IP")
    settings = Settings.from_env()
    assert (settings.forwarded_secret.reveal(), settings.proxies_count, settings.real_ip_header) == (
        "s3cret",
        1,
        "X-Real-IP",
    )
    assert "s3cret" not in repr(settings)
