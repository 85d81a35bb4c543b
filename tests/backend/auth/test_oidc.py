"""The eID login over OpenID Connect, against the real OpenID provider (panva's oidc-provider,
tests/oidc/provider.mjs) on loopback. The backend runs in process; the provider's login pages are
gone through over HTTP by `ProviderAgent`.

Real: every redirect, the provider's login page, its codes, its token endpoint and ID tokens (RS256,
and HS256 for the `-hs` client), its JWKS and key rotation, access_denied on Cancel, a token without
a CPR number, a Low assurance level, an unknown person. Crafted (by the test, passed through the
real token endpoint's answer by `TokenProxy`): a token signed with another key, `alg: none`, and
tokens signed with the provider's own key but expired, for another audience or issuer, or with
another nonce.
"""

from __future__ import annotations

import hashlib
import html
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sanic import Sanic
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.config import Secret, Settings
from backend.models.audit import AuditEntry
from backend.models.conversations import Conversation, WebSession
from backend.models.oidc import OidcLogin
from backend.nlg import translate
from backend.web import ui_texts
from tests.backend.applications.factories import AVIAJA, seed_registers
from tests.backend.auth.oidc_support import (
    CLIENT_ID,
    CLIENT_SECRET,
    HIGH,
    LOW,
    ProviderAgent,
    ProviderProcess,
    TokenProxy,
    claims_of,
    query_of,
    rsa_key,
    signed,
    unsigned,
)
from tests.backend.channels.support import Browser, FakeRasa

_names = iter(range(10_000))


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderProcess]:
    process = ProviderProcess(tmp_path_factory.mktemp("oidc")).start()
    yield process
    process.stop()


def eid_settings(settings: Settings, provider: ProviderProcess, **changes: Any) -> Settings:
    return replace(
        settings,
        oidc_issuer=provider.issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=Secret(CLIENT_SECRET),
        **changes,
    )


def eid_app(settings: Settings, proxy: TokenProxy) -> Sanic:
    app = create_app(settings, name=f"inissiaq_test_eid_{next(_names)}")
    app.ctx.oidc_transport = proxy
    FakeRasa().install(app)
    return app


@pytest.fixture
async def proxy() -> AsyncIterator[TokenProxy]:
    proxy = TokenProxy()
    yield proxy
    await proxy.aclose()


@pytest.fixture
def eid(settings: Settings, provider: ProviderProcess, proxy: TokenProxy, engine) -> Sanic:  # type: ignore[no-untyped-def]
    return eid_app(eid_settings(settings, provider), proxy)


@pytest.fixture
async def agent() -> AsyncIterator[ProviderAgent]:
    agent = ProviderAgent()
    yield agent
    await agent.aclose()


async def start(browser: Browser, path: str = "/auth/login") -> str:
    response = await browser.request("GET", path)
    assert response.status == 302, response.text
    return response.headers["location"]


async def login(browser: Browser, agent: ProviderAgent, **choice: str) -> Any:
    callback = await agent.login(await start(browser), **choice)
    return await browser.request("GET", callback)


async def assert_nobody_logged_in(db: AsyncSession, browser: Browser, *, earlier_logins: int = 0) -> None:
    """No session, no conversation and no new login entry speaks for a person; the browser's cookie (if
    any) is an anonymous session whose history names nobody's conversation."""
    db.expire_all()
    assert (await db.execute(select(WebSession).where(WebSession.person_cpr.is_not(None)))).first() is None
    assert (
        await db.execute(select(Conversation).where(Conversation.person_cpr.is_not(None)))
    ).first() is None
    logins = await db.execute(select(AuditEntry).where(AuditEntry.action == "citizen_login"))
    assert len(logins.all()) == earlier_logins
    history = (await browser.history()).json
    if history["conversation_id"] is not None:
        conversation = await db.get(Conversation, history["conversation_id"])
        assert conversation is not None and conversation.person_cpr is None


async def failure_reasons(db: AsyncSession) -> list[str]:
    db.expire_all()
    entries = await db.execute(select(AuditEntry).where(AuditEntry.action == "citizen_login_failed"))
    return [entry.details["reason"] for entry in entries.scalars()]


def assert_failure_page(response: Any, status: int, text: str, language: str = "kl") -> None:
    assert response.status == status
    assert html.escape(translate(language, ui_texts.EID_FAILED_TITLE)) in response.text
    assert html.escape(translate(language, text)) in response.text
    assert 'href="/?chat=open"' in response.text


# ---------------------------------------------------------------- the request


async def test_login_sends_the_browser_to_the_provider_with_every_parameter(
    settings: Settings, provider: ProviderProcess, proxy: TokenProxy, db: AsyncSession
) -> None:
    app = eid_app(eid_settings(settings, provider, oidc_acr_values=HIGH, oidc_scopes="profile"), proxy)
    browser = Browser(app)
    location = await start(browser, "/auth/login?lang=sv")
    assert location.startswith(f"{provider.issuer}/auth?")
    query = query_of(location)
    assert query["response_type"] == "code"
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://127.0.0.1:8000/auth/callback"
    assert query["scope"].split() == ["openid", "profile"]
    assert query["code_challenge_method"] == "S256"
    assert query["acr_values"] == HIGH
    assert query["ui_locales"] == "sv"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32 and query["state"] != query["nonce"]

    pending = (await db.execute(select(OidcLogin))).scalars().one()
    assert pending.state_hash == hashlib.sha256(query["state"].encode()).hexdigest()
    assert pending.nonce == query["nonce"]
    assert query["code_challenge"] == create_s256_code_challenge(pending.code_verifier)
    assert pending.session_token_hash == hashlib.sha256(browser.token.encode()).hexdigest()
    assert pending.expires_at - pending.created_at == timedelta(minutes=10)


async def test_without_acr_values_none_are_asked_for(eid: Sanic) -> None:
    assert "acr_values" not in query_of(await start(Browser(eid)))


# ---------------------------------------------------------------- the happy path


@pytest.mark.parametrize("client", ["client_secret_basic", "client_secret_post", "private_key_jwt"])
async def test_a_citizen_logs_in_with_eid_and_the_chat_continues(
    settings: Settings,
    provider: ProviderProcess,
    proxy: TokenProxy,
    agent: ProviderAgent,
    db: AsyncSession,
    client: str,
) -> None:
    await seed_registers(db)
    changes: dict[str, Any] = {"oidc_token_auth_method": client}
    if client == "client_secret_post":
        changes["oidc_client_id"] = f"{CLIENT_ID}-post"
    if client == "private_key_jwt":
        changes.update(
            oidc_client_id=f"{CLIENT_ID}-jwt",
            oidc_client_secret=Secret(""),
            oidc_private_key_file=str(provider.client_key_file),
        )
    app = eid_app(replace(eid_settings(settings, provider), **changes), proxy)
    browser = Browser(app)
    cid = (await browser.say("Jeg vil søge boligsikring nu")).json["conversation_id"]
    anonymous = browser.token

    response = await login(browser, agent)

    assert (response.status, response.headers["location"]) == (302, "/?chat=open")
    assert browser.token and browser.token != anonymous
    assert (await browser.history()).json["conversation_id"] == cid
    db.expire_all()
    session = (await db.execute(select(WebSession))).scalars().one()
    assert session.person_cpr == AVIAJA and session.eid_login
    assert (await db.get(Conversation, cid)).person_cpr == AVIAJA
    entry = (await db.execute(select(AuditEntry).where(AuditEntry.action == "citizen_login"))).scalars().one()
    assert (entry.actor, entry.person_cpr, entry.details) == ("citizen", AVIAJA, {"conversation": cid})
    assert (await db.execute(select(OidcLogin))).first() is None  # the state is used up


async def test_a_login_without_a_session_starts_one_and_logs_it_in(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    assert (await login(browser, agent, acr=HIGH)).status == 302
    db.expire_all()
    assert (await db.execute(select(Conversation))).scalars().one().person_cpr == AVIAJA


# ---------------------------------------------------------------- the browser's side of the protocol


async def test_a_cancelled_login_says_so_and_logs_nobody_in(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    callback = await agent.cancel(await start(browser, "/auth/login?lang=da"))
    assert query_of(callback)["error"] == "access_denied"
    response = await browser.request("GET", callback)
    assert_failure_page(response, 400, ui_texts.EID_CANCELLED_TEXT, "da")
    assert await failure_reasons(db) == ["cancelled"]
    await assert_nobody_logged_in(db, browser)


async def test_a_wrong_state_is_refused(eid: Sanic, agent: ProviderAgent, db: AsyncSession) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    callback = await agent.login(await start(browser))
    forged = callback.replace(f"state={query_of(callback)['state']}", "state=forged-state-value")
    response = await browser.request("GET", forged)
    assert_failure_page(response, 400, ui_texts.EID_EXPIRED_TEXT)
    assert await failure_reasons(db) == ["state_invalid"]
    await assert_nobody_logged_in(db, browser)


async def test_a_callback_in_another_browser_is_refused(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    """Login CSRF: an attacker's own callback URL, opened in the victim's browser, logs nobody in."""
    await seed_registers(db)
    attacker, victim = Browser(eid), Browser(eid)
    callback = await agent.login(await start(attacker))
    await victim.say("hej")
    response = await victim.request("GET", callback)
    assert_failure_page(response, 400, ui_texts.EID_EXPIRED_TEXT)
    assert await failure_reasons(db) == ["session_mismatch"]
    await assert_nobody_logged_in(db, victim)


async def test_a_callback_naming_another_issuer_is_refused(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    """Mix-up defence (RFC 9207): the provider names itself in `iss`; another issuer is refused."""
    await seed_registers(db)
    browser = Browser(eid)
    callback = await agent.login(await start(browser))
    assert "iss=" in callback
    mixed_up = callback.replace("iss=http", "iss=https%3A%2F%2Fevil.example%2F&x=http")
    assert_failure_page(await browser.request("GET", mixed_up), 400, ui_texts.EID_REFUSED_TEXT)
    assert await failure_reasons(db) == ["issuer_mismatch"]
    await assert_nobody_logged_in(db, browser)


async def test_an_expired_login_is_refused(eid: Sanic, agent: ProviderAgent, db: AsyncSession) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    callback = await agent.login(await start(browser))
    await db.execute(update(OidcLogin).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await db.commit()
    assert_failure_page(await browser.request("GET", callback), 400, ui_texts.EID_EXPIRED_TEXT)
    assert await failure_reasons(db) == ["state_expired"]
    await assert_nobody_logged_in(db, browser)


async def test_a_replayed_callback_and_a_reused_code_log_nobody_in(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    await seed_registers(db)
    first = Browser(eid)
    callback = await agent.login(await start(first))
    assert (await first.request("GET", callback)).status == 302
    await first.request("POST", "/auth/logout", json={})

    replayed = await first.request("GET", callback)  # our state works once
    assert_failure_page(replayed, 400, ui_texts.EID_EXPIRED_TEXT)

    # The used code with a fresh, valid state of the same browser: the provider refuses the code.
    fresh_state = query_of(await start(first))["state"]
    reused = callback.replace(f"state={query_of(callback)['state']}", f"state={fresh_state}")
    assert_failure_page(await first.request("GET", reused), 400, ui_texts.EID_REFUSED_TEXT)
    assert await failure_reasons(db) == ["state_invalid", "code_rejected"]
    await assert_nobody_logged_in(db, first, earlier_logins=1)


# ---------------------------------------------------------------- the ID token


async def refused_token(
    eid: Sanic, agent: ProviderAgent, proxy: TokenProxy, db: AsyncSession, rewrite: Any, reason: str
) -> None:
    await seed_registers(db)
    proxy.rewrite = rewrite
    browser = Browser(eid)
    response = await login(browser, agent)
    assert_failure_page(response, 400, ui_texts.EID_REFUSED_TEXT)
    assert await failure_reasons(db) == [reason]
    await assert_nobody_logged_in(db, browser)


async def test_a_token_signed_with_another_key_under_the_providers_kid_is_refused(
    eid: Sanic, agent: ProviderAgent, proxy: TokenProxy, provider: ProviderProcess, db: AsyncSession
) -> None:
    other = rsa_key()
    await refused_token(
        eid,
        agent,
        proxy,
        db,
        lambda t: signed(claims_of(t), other, kid=provider.signing_key.kid),
        "token_signature",
    )


async def test_a_token_with_an_unknown_kid_fetches_the_keys_once_more_then_fails(
    eid: Sanic, agent: ProviderAgent, proxy: TokenProxy, db: AsyncSession
) -> None:
    other = rsa_key()
    await refused_token(eid, agent, proxy, db, lambda t: signed(claims_of(t), other), "token_key_unknown")
    assert proxy.jwks_fetches == 2  # the first fetch, then one refresh for the unknown kid


async def test_an_unsigned_token_alg_none_is_refused(
    eid: Sanic, agent: ProviderAgent, proxy: TokenProxy, db: AsyncSession
) -> None:
    await refused_token(eid, agent, proxy, db, lambda t: unsigned(claims_of(t)), "token_algorithm")


async def test_an_hs256_token_from_the_real_provider_is_refused(
    settings: Settings, provider: ProviderProcess, proxy: TokenProxy, agent: ProviderAgent, db: AsyncSession
) -> None:
    """The provider's `-hs` client gets ID tokens signed with HS256 and the client secret."""
    app = eid_app(replace(eid_settings(settings, provider), oidc_client_id=f"{CLIENT_ID}-hs"), proxy)
    seen: list[str] = []
    proxy.rewrite = lambda token: seen.append(token) or token
    await refused_token(app, agent, proxy, db, proxy.rewrite, "token_algorithm")
    assert '"alg":"HS256"' in _header_json(seen[0])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"exp": int(time.time()) - 300, "iat": int(time.time()) - 900}, "token_expired"),
        ({"aud": "another-client"}, "token_audience"),
        ({"iss": "https://evil.example"}, "token_issuer"),
        ({"nonce": "a-nonce-from-another-request"}, "nonce_mismatch"),
    ],
    ids=["expired", "audience", "issuer", "nonce"],
)
async def test_a_token_signed_by_the_provider_with_wrong_claims_is_refused(
    eid: Sanic,
    agent: ProviderAgent,
    proxy: TokenProxy,
    provider: ProviderProcess,
    db: AsyncSession,
    change: dict[str, Any],
    reason: str,
) -> None:
    key = provider.signing_key
    await refused_token(eid, agent, proxy, db, lambda t: signed({**claims_of(t), **change}, key), reason)


async def test_a_login_without_a_cpr_number_is_refused(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    response = await login(browser, agent, name="Test person without a CPR number")
    assert_failure_page(response, 403, ui_texts.EID_NO_CPR_TEXT)
    assert await failure_reasons(db) == ["cpr_missing"]
    await assert_nobody_logged_in(db, browser)


async def test_a_login_below_the_minimum_assurance_is_refused_and_audited_for_the_person(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    response = await login(browser, agent, acr=LOW)
    assert_failure_page(response, 403, ui_texts.EID_LOW_ASSURANCE_TEXT)
    failed = select(AuditEntry).where(AuditEntry.action == "citizen_login_failed")
    entry = (await db.execute(failed)).scalars().one()
    assert (entry.person_cpr, entry.details) == (AVIAJA, {"reason": "assurance_too_low"})
    await assert_nobody_logged_in(db, browser)


async def test_a_person_outside_the_register_is_refused(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    response = await login(browser, agent, name="Test person not in the register")
    assert_failure_page(response, 403, ui_texts.EID_UNKNOWN_PERSON_TEXT)
    assert await failure_reasons(db) == ["unknown_person"]
    await assert_nobody_logged_in(db, browser)


async def test_after_the_provider_rotates_its_keys_the_login_works_with_one_more_jwks_fetch(
    eid: Sanic, agent: ProviderAgent, proxy: TokenProxy, provider: ProviderProcess, db: AsyncSession
) -> None:
    await seed_registers(db)
    assert (await login(Browser(eid), agent)).status == 302
    assert proxy.jwks_fetches == 1

    new_kid = provider.rotate_keys()
    seen: list[str] = []
    proxy.rewrite = lambda token: seen.append(token) or token
    second = Browser(eid)
    response = await login(second, agent)

    assert f'"kid":"{new_kid}"' in _header_json(seen[0])
    assert (response.status, response.headers["location"]) == (302, "/?chat=open")
    assert proxy.jwks_fetches == 2


async def test_an_unreachable_provider_is_a_502_page_not_a_500(
    settings: Settings, proxy: TokenProxy, engine, db: AsyncSession
) -> None:
    unreachable = ProviderProcess(Path("/nonexistent"))  # nothing listens on its port
    app = eid_app(eid_settings(settings, unreachable), proxy)
    browser = Browser(app)
    response = await browser.request("GET", "/auth/login?lang=sv")
    assert_failure_page(response, 502, ui_texts.EID_UNAVAILABLE_TEXT, "sv")
    assert await failure_reasons(db) == ["provider_unreachable"]
    callback = await browser.request("GET", "/auth/callback?code=x&state=y")
    assert callback.status == 400


# ---------------------------------------------------------------- logout and the client key


async def test_logout_also_ends_the_eid_session_at_the_provider(
    eid: Sanic, agent: ProviderAgent, provider: ProviderProcess, db: AsyncSession
) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    await login(browser, agent)
    db.expire_all()

    answer = await browser.request("POST", "/auth/logout", json={})

    assert answer.status == 200 and answer.json["ok"] is True
    assert (
        'inissiaq_session=""' in answer.headers["set-cookie"] or "Max-Age=0" in answer.headers["set-cookie"]
    )
    url = answer.json["end_session_url"]
    assert url.startswith(f"{provider.issuer}/session/end?")
    assert "id_token_hint" not in query_of(url) and AVIAJA not in url  # no token carrying the CPR number
    assert query_of(url)["client_id"] == CLIENT_ID
    assert query_of(url)["post_logout_redirect_uri"] == "http://127.0.0.1:8000/"
    page = await agent.http.get(url)  # the provider accepts the hint and asks to confirm
    assert page.status_code == 200 and "logout" in page.text
    db.expire_all()
    assert (await db.execute(select(WebSession))).first() is None


async def test_the_logout_form_goes_on_to_the_provider(
    eid: Sanic, agent: ProviderAgent, db: AsyncSession
) -> None:
    await seed_registers(db)
    browser = Browser(eid)
    await login(browser, agent)
    response = await browser.request("POST", "/auth/logout", data={})
    assert response.status == 302
    assert "/session/end?" in response.headers["location"]
    assert "id_token_hint=" not in response.headers["location"]


async def test_after_the_development_login_logout_answers_as_before(app: Sanic, db: AsyncSession) -> None:
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    response = await browser.request("POST", "/auth/logout", json={})
    assert (response.status, response.json) == (200, {"ok": True})


async def test_the_client_key_is_published_as_a_jwks(
    settings: Settings, provider: ProviderProcess, proxy: TokenProxy, engine
) -> None:
    app = eid_app(
        eid_settings(settings, provider, oidc_private_key_file=str(provider.client_key_file)), proxy
    )
    _, response = await app.asgi_client.get("/auth/jwks.json")
    (key,) = response.json["keys"]
    assert key["kid"] == provider.client_key.thumbprint()
    assert key["n"] == provider.client_key.as_dict()["n"] and "d" not in key
    _, without = await create_app_without_key(settings, provider, proxy).asgi_client.get("/auth/jwks.json")
    assert without.status == 404


def create_app_without_key(settings: Settings, provider: ProviderProcess, proxy: TokenProxy) -> Sanic:
    return eid_app(eid_settings(settings, provider), proxy)


def _header_json(token: str) -> str:
    import base64

    part = token.split(".")[0]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode().replace(" ", "")
