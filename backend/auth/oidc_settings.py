"""The eID (OpenID Connect) settings: whether eID is configured, what is missing, which assurance
levels are accepted, and the relying party's own signing key for `private_key_jwt`.

`problems(settings)` is one of the start-up rules of `backend.settings_check` (SERVICE_CHECKS):
production mode refuses to start without a complete eID configuration, and a half-configured eID
never starts in any mode.
"""

from __future__ import annotations

from pathlib import Path

from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey

from backend.config import Settings

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")
NSIS_LOA = "https://data.gov.dk/concept/core/nsis/loa/"
EIDAS_LOA = "http://eidas.europa.eu/LoA/"
LEVELS = ("low", "substantial", "high")

ClientKey = RSAKey | ECKey


def configured(settings: Settings) -> bool:
    """eID login is offered when an issuer is set (in any mode; the development login stays too)."""
    return bool(settings.oidc_issuer)


def token_auth_method(settings: Settings) -> str:
    """How we authenticate at the token endpoint: as set, else by the key file, else the secret."""
    if settings.oidc_token_auth_method:
        return settings.oidc_token_auth_method
    return "private_key_jwt" if settings.oidc_private_key_file else "client_secret_basic"


def accepted_loa(settings: Settings) -> frozenset[str]:
    """The assurance values accepted in the ID token's `OIDC_LOA_CLAIM` claim.

    A level name (low, substantial, high) accepts that level and those above it, written as NSIS
    URIs, eIDAS URIs or the bare word in any case; anything else is a comma-separated list of the
    exact values to accept.
    """
    wanted = settings.oidc_min_loa.strip()
    if wanted.lower() not in LEVELS:
        return frozenset(value.strip() for value in wanted.split(",") if value.strip())
    values: set[str] = set()
    for level in LEVELS[LEVELS.index(wanted.lower()) :]:
        values |= {NSIS_LOA + level.capitalize(), EIDAS_LOA + level, level, level.upper(), level.capitalize()}
    return frozenset(values)


def load_client_key(settings: Settings) -> ClientKey | None:
    """The PEM private key of `OIDC_PRIVATE_KEY_FILE` (RSA or EC) with its RFC 7638 thumbprint as kid."""
    if not settings.oidc_private_key_file:
        return None
    pem = Path(settings.oidc_private_key_file).read_bytes()
    for kind in (RSAKey, ECKey):
        try:
            key = kind.import_key(pem)
        except (JoseError, ValueError, TypeError):
            continue
        if not key.is_private:
            raise ValueError("not a private key")
        return kind.import_key(pem, parameters={"kid": key.thumbprint(), "use": "sig"})
    raise ValueError("not an RSA or EC private key in PEM")


def problems(settings: Settings) -> list[str]:
    """What keeps the eID login from working, each naming its setting; empty when all is well.

    Production mode needs eID; in any other mode eID is checked only when OIDC_ISSUER is set.
    """
    production = settings.mode == "production"
    if not configured(settings):
        if not production:
            return []
        return ["OIDC_ISSUER: required in production (the eID provider's OpenID Connect issuer URL)"]
    found: list[str] = []
    if production and not settings.oidc_issuer.startswith("https://"):
        found.append("OIDC_ISSUER: must be https in production")
    if not settings.oidc_client_id:
        found.append("OIDC_CLIENT_ID: required with OIDC_ISSUER")
    method = token_auth_method(settings)
    if method not in AUTH_METHODS:
        found.append(f"OIDC_TOKEN_AUTH_METHOD: one of {', '.join(AUTH_METHODS)}")
    elif method == "private_key_jwt":
        found.extend(_key_problems(settings))
    elif not settings.oidc_client_secret:
        found.append(
            "OIDC_CLIENT_SECRET: required with OIDC_ISSUER (or OIDC_PRIVATE_KEY_FILE for private_key_jwt)"
        )
    if not accepted_loa(settings):
        found.append(
            "OIDC_MIN_LOA: a level (low, substantial, high) or a comma-separated list of accepted values"
        )
    if not settings.oidc_cpr_claim:
        found.append("OIDC_CPR_CLAIM: must name the claim that carries the CPR number")
    return found


def _key_problems(settings: Settings) -> list[str]:
    if not settings.oidc_private_key_file:
        return ["OIDC_PRIVATE_KEY_FILE: required for private_key_jwt"]
    try:
        load_client_key(settings)
    except (OSError, ValueError) as error:
        return [f"OIDC_PRIVATE_KEY_FILE: cannot be used ({error})"]
    return []
