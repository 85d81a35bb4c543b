"""The OpenID Connect relying party of the eID login (Authorization Code flow with PKCE).

`RelyingParty` (one per process, `app.ctx.oidc`) knows the provider from its discovery document,
builds the authorization request (state, nonce, S256 code challenge), redeems the code at the token
endpoint (`client_secret_basic`, `client_secret_post` or `private_key_jwt`) and verifies the ID
token: an asymmetric signature (never `none`, never HS*) by a key of the provider's JWKS (an unknown
`kid` fetches the JWKS again, once), then `iss`, `aud`, `azp`, `exp`, `iat`, `nonce` and `at_hash`.

The discovery document and the JWKS are cached in memory: copies any instance can fetch again, not
state a later request depends on. Every failure is a `LoginFailed` with a short reason code.
"""

from __future__ import annotations

import base64
import json
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.urls import add_params_to_uri, url_encode
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import Key, KeySet

from backend.auth import oidc_settings
from backend.config import Settings

# Asymmetric algorithms only: `none` proves nothing, and an HS* token is keyed with the client secret,
# which we know ourselves, so it cannot prove that the provider issued it.
SIGNATURE_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
DISCOVERY_TTL_SECONDS = 3600.0
CLOCK_LEEWAY_SECONDS = 60
MAX_TOKEN_CHARS = 16_000


class LoginFailed(Exception):
    """The eID login cannot complete. `reason` goes to the audit log; `status` to the browser."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


@dataclass(frozen=True)
class TokenResponse:
    id_token: str
    access_token: str | None


class RelyingParty:
    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.client_key = oidc_settings.load_client_key(settings)
        self._provider: Provider | None = None
        self._provider_fetched = 0.0
        self._keys: KeySet | None = None

    @property
    def redirect_uri(self) -> str:
        return f"{self.settings.public_base_url}/auth/callback"

    async def provider(self) -> Provider:
        """The provider's endpoints from `{OIDC_ISSUER}/.well-known/openid-configuration` (cached)."""
        if self._provider is None or time.monotonic() - self._provider_fetched > DISCOVERY_TTL_SECONDS:
            document = await self._get_json(f"{self.settings.oidc_issuer}/.well-known/openid-configuration")
            self._provider = _provider_from(document, self.settings.oidc_issuer)
            self._provider_fetched = time.monotonic()
        return self._provider

    def authorization_url(
        self, provider: Provider, *, state: str, nonce: str, code_verifier: str, language: str
    ) -> str:
        scopes = self.settings.oidc_scopes.split()
        params = [
            ("response_type", "code"),
            ("client_id", self.settings.oidc_client_id),
            ("redirect_uri", self.redirect_uri),
            ("scope", " ".join(["openid", *(s for s in scopes if s != "openid")])),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", create_s256_code_challenge(code_verifier)),
            ("code_challenge_method", "S256"),
            ("ui_locales", language),
        ]
        if self.settings.oidc_acr_values:
            params.append(("acr_values", self.settings.oidc_acr_values))
        return add_params_to_uri(provider.authorization_endpoint, params)

    async def redeem(self, provider: Provider, code: str, code_verifier: str) -> TokenResponse:
        """Exchange the authorization code (with the PKCE verifier) at the token endpoint."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "code_verifier": code_verifier,
        }
        headers = {"Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"}
        url, headers, body = self._client_auth(provider).prepare(
            "POST", provider.token_endpoint, headers, url_encode(form.items())
        )
        try:
            response = await self.http.post(url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise LoginFailed("provider_unreachable", 502) from error
        body = _json_object(response)
        if response.status_code in (400, 401) and body.get("error") in ("invalid_grant", "invalid_request"):
            raise LoginFailed("code_rejected")
        if response.status_code != 200:
            raise LoginFailed("token_endpoint_error", 502)
        id_token, access_token = body.get("id_token"), body.get("access_token")
        if not isinstance(id_token, str) or not id_token:
            raise LoginFailed("token_missing", 502)
        return TokenResponse(id_token, access_token if isinstance(access_token, str) else None)

    async def verify(
        self, provider: Provider, id_token: str, *, nonce: str, access_token: str | None
    ) -> dict[str, Any]:
        """The ID token's claims, once its signature and claims are checked."""
        header = _header(id_token)
        algorithm = header.get("alg")
        if algorithm not in SIGNATURE_ALGORITHMS:
            raise LoginFailed("token_algorithm")
        key = await self._signing_key(provider, header.get("kid"))
        try:
            token = jwt.decode(id_token, key, algorithms=[algorithm])
        except JoseError as error:
            raise LoginFailed("token_signature") from error
        claims = CodeIDToken(
            token.claims,
            token.header,
            options={
                "iss": {"essential": True, "value": provider.issuer},
                "aud": {"essential": True, "value": self.settings.oidc_client_id},
            },
            params={"nonce": nonce, "client_id": self.settings.oidc_client_id, "access_token": access_token},
        )
        try:
            claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
        except ExpiredTokenError as error:
            raise LoginFailed("token_expired") from error
        except ClaimError as error:
            raise LoginFailed(_CLAIM_REASONS.get(error.claim, "token_claims")) from error
        except JoseError as error:
            raise LoginFailed("token_claims") from error
        return dict(claims)

    async def end_session_url(self, post_logout_redirect_uri: str) -> str | None:
        """The provider's logout address (RP-initiated logout), if it offers one.

        The client is named by `client_id`, not by `id_token_hint`: the ID token carries the CPR
        number, and a logout address ends up in the browser's history and the provider's logs."""
        try:
            provider = await self.provider()
        except LoginFailed:
            return None
        if provider.end_session_endpoint is None:
            return None
        params = [
            ("post_logout_redirect_uri", post_logout_redirect_uri),
            ("client_id", self.settings.oidc_client_id),
        ]
        return add_params_to_uri(provider.end_session_endpoint, params)

    def public_jwks(self) -> dict[str, Any] | None:
        """Our `private_key_jwt` public key as a JWKS (for the provider's client registration)."""
        if self.client_key is None:
            return None
        return {"keys": [self.client_key.as_dict(private=False, alg=self._client_key_alg())]}

    async def _signing_key(self, provider: Provider, kid: object) -> Key:
        if kid is not None and not isinstance(kid, str):
            raise LoginFailed("token_signature")
        keys = self._keys or await self._fetch_keys(provider)
        key = _find_key(keys, kid)
        if key is None:  # the provider may have rotated its keys since we fetched them: once more
            key = _find_key(await self._fetch_keys(provider), kid)
        if key is None:
            raise LoginFailed("token_key_unknown")
        return key

    async def _fetch_keys(self, provider: Provider) -> KeySet:
        document = await self._get_json(provider.jwks_uri)
        try:
            self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
        except (JoseError, KeyError, TypeError, ValueError) as error:
            raise LoginFailed("provider_keys_invalid", 502) from error
        return self._keys

    def _client_auth(self, provider: Provider) -> ClientAuth:
        method = oidc_settings.token_auth_method(self.settings)
        client_id = self.settings.oidc_client_id
        if method == "private_key_jwt":
            assert self.client_key is not None
            signer = PrivateKeyJWT(
                provider.token_endpoint, headers={"kid": self.client_key.kid}, alg=self._client_key_alg()
            )
            return ClientAuth(client_id, self.client_key, signer)
        return ClientAuth(client_id, self.settings.oidc_client_secret.reveal(), method)

    def _client_key_alg(self) -> str:
        return "ES256" if self.client_key is not None and self.client_key.key_type == "EC" else "RS256"

    async def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = await self.http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as error:
            raise LoginFailed("provider_unreachable", 502) from error
        if response.status_code != 200:
            raise LoginFailed("provider_unreachable", 502)
        body = _json_object(response)
        if not body:
            raise LoginFailed("provider_unreachable", 502)
        return body


_CLAIM_REASONS = {
    "nonce": "nonce_mismatch",
    "aud": "token_audience",
    "azp": "token_audience",
    "iss": "token_issuer",
    "iat": "token_claims",
    "at_hash": "token_claims",
}


def _provider_from(document: dict[str, Any], issuer: str) -> Provider:
    """The endpoints of a discovery document that names exactly our issuer (OIDC Discovery 4.3)."""
    if document.get("issuer") != issuer:
        raise LoginFailed("provider_issuer_mismatch", 502)
    endpoints = [document.get(name) for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")]
    if not all(isinstance(value, str) and value.startswith(("https://", "http://")) for value in endpoints):
        raise LoginFailed("provider_metadata_invalid", 502)
    end_session = document.get("end_session_endpoint")
    return Provider(issuer, *endpoints, end_session if isinstance(end_session, str) else None)  # type: ignore[arg-type]


def _header(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(token) > MAX_TOKEN_CHARS or len(parts) != 3:
        raise LoginFailed("token_malformed")
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except (ValueError, UnicodeDecodeError) as error:
        raise LoginFailed("token_malformed") from error
    if not isinstance(header, dict):
        raise LoginFailed("token_malformed")
    return header


def _find_key(keys: KeySet, kid: str | None) -> Key | None:
    signing = [key for key in keys.keys if key.get("use") in (None, "sig") and key.key_type != "oct"]
    if kid is None:
        return signing[0] if len(signing) == 1 else None
    return next((key for key in signing if key.kid == kid), None)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
