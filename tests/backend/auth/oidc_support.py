"""The real OpenID provider (tests/oidc/provider.mjs, panva's oidc-provider) on a loopback port, an
agent that goes through its login pages like a browser, and a proxy in front of its token endpoint.

The provider signs with a key this module generates, so a test can also craft tokens that carry the
provider's real signature but wrong claims (an expired token, another audience, another nonce): the
attacks the real provider will not produce. Those pass through `TokenProxy`, which forwards every
request to the real provider and swaps the ID token in the token endpoint's real answer.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import RSAKey

from scripts.stack import ROOT, free_port
from tests.servers import wait_until_serving

PROVIDER_SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID, CLIENT_SECRET = "inissiaq", "inissiaq-test-secret-0123456789"
PUBLIC_BASE_URL = "http://127.0.0.1:8000"  # the test settings' PUBLIC_BASE_URL
NSIS = "https://data.gov.dk/concept/core/nsis/loa/"
SUBSTANTIAL, HIGH, LOW = NSIS + "Substantial", NSIS + "High", NSIS + "Low"


def rsa_key() -> RSAKey:
    key = RSAKey.generate_key(2048, private=True)
    key.ensure_kid()
    return key


@dataclass
class ProviderProcess:
    """`node tests/oidc/provider.mjs` with a signing key and a private_key_jwt client key we hold."""

    directory: Path
    signing_key: RSAKey = field(default_factory=rsa_key)
    client_key: RSAKey = field(default_factory=rsa_key)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def client_key_file(self) -> Path:
        return self.directory / "client-key.pem"

    def start(self) -> ProviderProcess:
        if not (ROOT / "tests" / "oidc" / "node_modules" / "oidc-provider").is_dir():
            raise RuntimeError("oidc-provider is not installed: run `make oidc-deps` (npm ci in tests/oidc)")
        signing = self.directory / "provider-signing.jwks"
        signing.write_text(
            json.dumps({"keys": [self.signing_key.as_dict(private=True, alg="RS256", use="sig")]})
        )
        client_jwks = self.directory / "client.jwks"
        client_jwks.write_text(json.dumps({"keys": [self.client_key.as_dict(private=False, use="sig")]}))
        self.client_key_file.write_bytes(self.client_key.as_pem(private=True))
        env = {
            **os.environ,
            "OIDC_PROVIDER_PORT": str(self.port),
            "OIDC_PROVIDER_CLIENT_ID": CLIENT_ID,
            "OIDC_PROVIDER_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_PROVIDER_REDIRECT_URIS": f"{PUBLIC_BASE_URL}/auth/callback",
            "OIDC_PROVIDER_LOGOUT_URIS": f"{PUBLIC_BASE_URL}/",
            "OIDC_PROVIDER_CLIENT_JWKS": str(client_jwks),
            "OIDC_PROVIDER_SIGNING_JWKS": str(signing),
        }
        log = open(self.directory / "provider.log", "ab")
        self.process = subprocess.Popen(
            ["node", str(PROVIDER_SCRIPT)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        wait_until_serving(
            self.process,
            lambda: (
                httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1).status_code == 200
            ),
            what="the OpenID provider",
            log=self.directory / "provider.log",
            not_yet=(httpx.HTTPError,),
        )
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def rotate_keys(self) -> str:
        """The provider puts a new signing key (new kid) in front; returns the new kid."""
        return httpx.post(f"{self.issuer}/admin/rotate-keys", timeout=5).json()["kid"]


class ProviderAgent:
    """The citizen's browser on the provider's side: follows its redirects and fills in its login page."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(follow_redirects=False, timeout=10)
        self.pages: list[str] = []

    async def login(self, authorize_url: str, *, name: str = "Aviaja Lyberth", acr: str = SUBSTANTIAL) -> str:
        """Log in as `name` at `acr`; returns the callback's path and query on our side."""
        return await self._through(authorize_url, {"name": name, "acr": acr})

    async def cancel(self, authorize_url: str) -> str:
        return await self._through(authorize_url, None)

    async def _through(self, url: str, choice: dict[str, str] | None) -> str:
        for _ in range(12):
            if url.startswith(PUBLIC_BASE_URL):
                parts = urlsplit(url)
                return f"{parts.path}?{parts.query}"
            response = await self.http.get(url)
            if response.status_code in (302, 303):
                url = urljoin(url, response.headers["location"])
                continue
            assert response.status_code == 200, response.text
            self.pages.append(response.text)
            response = await self.http.post(
                urljoin(url, _form_action(response.text)), data=_form(response.text, choice)
            )
            assert response.status_code in (302, 303), response.text
            url = urljoin(url, response.headers["location"])
        raise AssertionError("the provider never sent the browser back")

    async def aclose(self) -> None:
        await self.http.aclose()


def _form_action(page: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _form(page: str, choice: dict[str, str] | None) -> dict[str, str]:
    if choice is None:
        return {"cancel": "1"}
    match = re.search(
        rf'<button type="submit" name="account" value="([^"]+)">{re.escape(choice["name"])}</button>', page
    )
    assert match, f"no account {choice['name']} on the provider's page"
    return {"account": match.group(1), "acr": choice["acr"]}


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


Rewrite = Callable[[str], str]


class TokenProxy(httpx.AsyncBaseTransport):
    """The backend's HTTP transport to the provider: every request goes to the real provider; with
    `rewrite` set, the ID token in the token endpoint's answer is replaced by `rewrite(real token)`."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.rewrite: Rewrite | None = None
        self.paths: list[str] = []

    @property
    def jwks_fetches(self) -> int:
        return self.paths.count("/jwks")

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        response = await self.inner.handle_async_request(request)
        if self.rewrite is None or request.url.path != "/token" or response.status_code != 200:
            return response
        body = json.loads(await response.aread())
        body["id_token"] = self.rewrite(body["id_token"])
        return httpx.Response(200, json=body)

    async def aclose(self) -> None:
        await self.inner.aclose()


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, unverified (the tests read the real token to derive a crafted one)."""
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def signed(claims: dict[str, Any], key: RSAKey, *, kid: str | None = None) -> str:
    return jwt.encode({"alg": "RS256", "kid": kid or key.kid}, claims, key)


def unsigned(claims: dict[str, Any]) -> str:
    """An `alg: none` token (joserfc refuses to make one, as it should)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."
