"""One-time links: unguessable, single use, expiring. Opening one changes nothing; the login through
one binds nothing; only the confirmation page's own same-origin POST, after the login, binds the
SMS/Telegram conversation for the channel's period and queues the continuation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from backend.applications.login import LINK_PATH, create_link, hash_token
from backend.channels import binding
from backend.conversations import service as conversations
from backend.models.audit import AuditEntry
from backend.models.conversations import WebSession
from backend.models.outbox import InboundMessage, LinkToken
from backend.models.states import InboundState
from tests.backend.applications.factories import AVIAJA, MALIK, seed_registers
from tests.backend.channels.support import Browser

PHONE = "+299551234"
MASKED = "+299 55 ** 34"


async def _sms_conversation(db, address: str = PHONE):  # type: ignore[no-untyped-def]
    conversation = await conversations.create_conversation(db, channel="sms", address=address)
    conversation.pending_intent = "apply"
    await db.commit()
    return conversation


async def _link(db, settings, conversation) -> str:  # type: ignore[no-untyped-def]
    """The path of a new link (`/l/<token>`), committed."""
    url = await create_link(db, conversation, settings)
    await db.commit()
    return url.removeprefix(settings.public_base_url)


def _same_origin(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Origin": settings.public_base_url}


async def _logged_in_with_pending_link(app, settings, path: str, cpr: str = AVIAJA) -> Browser:  # type: ignore[no-untyped-def]
    """A browser that pressed the link page's button and logged in, and stopped there."""
    browser = Browser(app)
    started = await browser.request("POST", path, headers=_same_origin(settings))
    assert (started.status, started.headers["location"]) == (303, "/auth/login")
    login = await browser.login(cpr)
    assert (login.status, login.json["next"]) == (200, binding.CONFIRM_PATH)
    return browser


async def _bound_cpr(db, conversation) -> str | None:  # type: ignore[no-untyped-def]
    await db.refresh(conversation)
    return conversation.person_cpr


async def _resume_jobs(db) -> list[InboundMessage]:  # type: ignore[no-untyped-def]
    return list((await db.execute(select(InboundMessage).where(InboundMessage.kind == "resume"))).scalars())


async def test_a_link_is_long_random_and_only_its_hash_is_stored(db, settings) -> None:
    conversation = await _sms_conversation(db)
    first = await create_link(db, conversation, settings)
    second = await create_link(db, conversation, settings)
    token = first.rsplit("/", 1)[1]
    assert first != second and len(token) >= 22
    stored = (await db.execute(select(LinkToken.token_hash))).scalars().all()
    assert token not in stored and hash_token(token) in stored


async def test_a_link_works_once_and_not_after_it_expired(db, settings) -> None:
    conversation = await _sms_conversation(db)
    token = (await create_link(db, conversation, settings)).rsplit("/", 1)[1]
    late = (await create_link(db, conversation, settings)).rsplit("/", 1)[1]
    await db.commit()
    assert await binding.redeem(db, token) is not None
    assert await binding.redeem(db, token) is None
    assert await binding.redeem(db, late, now=datetime.now(UTC) + timedelta(minutes=16)) is None
    assert await binding.redeem(db, "x" * 500) is None


async def test_opening_the_link_shows_the_masked_phone_and_changes_nothing(app, db, settings) -> None:
    await seed_registers(db)
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    for _ in range(2):  # a link preview, then the citizen: the same page, nothing used up
        opened = await Browser(app).request("GET", path)
        assert opened.status == 200
        assert MASKED in opened.text and "551234" not in opened.text and "55 12 34" not in opened.text
        assert f'action="{path}"' in opened.text and opened.headers.get("set-cookie") is None
        assert opened.headers["cache-control"] == "no-store"
    link = (await db.execute(select(LinkToken))).scalars().one()
    assert link.used_at is None
    assert (await db.execute(select(WebSession))).scalars().all() == []
    assert await _bound_cpr(db, conversation) is None


async def test_the_login_binds_nothing_and_only_the_confirmation_post_binds(app, db, settings) -> None:
    await seed_registers(db)
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    assert (await Browser(app).request("GET", path)).status == 200  # a link preview first
    browser = await _logged_in_with_pending_link(app, settings, path)
    assert await _bound_cpr(db, conversation) is None
    assert await _resume_jobs(db) == []

    page = await browser.request("GET", binding.CONFIRM_PATH)
    assert page.status == 200
    assert MASKED in page.text and "Aviaja Lyberth" in page.text
    assert settings.municipality_contact in page.text
    assert f'action="{binding.CONFIRM_PATH}"' in page.text
    assert await _bound_cpr(db, conversation) is None  # showing the page binds nothing either

    confirmed = await browser.request("POST", binding.CONFIRM_PATH, data={}, headers=_same_origin(settings))
    assert (confirmed.status, confirmed.headers["location"]) == (303, binding.LINKED_PATH)
    assert await _bound_cpr(db, conversation) == AVIAJA
    remaining = conversation.bound_until.astimezone(UTC) - datetime.now(UTC)
    assert timedelta(hours=23) < remaining <= timedelta(hours=24)
    (job,) = await _resume_jobs(db)
    assert (job.conversation_id, job.status) == (conversation.id, InboundState.QUEUED)
    audit = (await db.execute(select(AuditEntry).where(AuditEntry.action == "channel_bound"))).scalars().one()
    assert (audit.actor, audit.person_cpr, audit.details["how"]) == ("citizen", AVIAJA, "one_time_link")
    assert (await Browser(app).request("GET", path)).status == 410
    assert (await browser.request("GET", binding.LINKED_PATH)).status == 200


async def test_a_victim_who_logs_in_through_an_attackers_link_but_does_not_confirm_binds_nothing(
    app, db, settings
) -> None:
    await seed_registers(db)
    attackers = await _sms_conversation(db, "+299559999")
    path = await _link(db, settings, attackers)
    victim = await _logged_in_with_pending_link(app, settings, path, AVIAJA)
    shown = await victim.request("GET", binding.CONFIRM_PATH)
    assert "+299 55 ** 99" in shown.text  # the victim sees it is not their phone, and stops here
    assert await _bound_cpr(db, attackers) is None
    assert await _resume_jobs(db) == []
    assert (await db.execute(select(AuditEntry).where(AuditEntry.action == "channel_bound"))).first() is None
    assert (await db.execute(select(LinkToken))).scalars().one().used_at is None


async def test_a_logged_in_citizen_confirms_from_the_link_page_itself(app, db, settings) -> None:
    await seed_registers(db)
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    browser = Browser(app)
    await browser.login(AVIAJA)
    page = await browser.request("GET", path)
    token = path.removeprefix(LINK_PATH)
    assert page.status == 200 and "Aviaja Lyberth" in page.text and MASKED in page.text
    assert f'action="{binding.CONFIRM_PATH}"' in page.text and f'value="{token}"' in page.text
    assert await _bound_cpr(db, conversation) is None
    confirmed = await browser.request(
        "POST", binding.CONFIRM_PATH, data={"token": token}, headers=_same_origin(settings)
    )
    assert confirmed.status == 303
    assert await _bound_cpr(db, conversation) == AVIAJA


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
    ids=["origin", "referer", "fetch"],
)
async def test_a_cross_site_confirmation_is_refused(app, db, settings, headers) -> None:
    await seed_registers(db)
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    browser = await _logged_in_with_pending_link(app, settings, path)
    token = path.removeprefix(LINK_PATH)
    refused = await browser.request("POST", binding.CONFIRM_PATH, data={"token": token}, headers=headers)
    assert (refused.status, refused.json["error"]) == (403, "forbidden")
    assert await _bound_cpr(db, conversation) is None
    assert (await db.execute(select(LinkToken))).scalars().one().used_at is None


async def test_a_cross_site_post_cannot_plant_a_link_on_a_browser(app, db, settings) -> None:
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    browser = Browser(app)
    refused = await browser.request("POST", path, headers={"Origin": "https://evil.example"})
    assert refused.status == 403 and browser.token is None
    assert (await db.execute(select(WebSession))).scalars().all() == []


async def test_confirming_without_a_login_is_refused(app, db, settings) -> None:
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    browser = Browser(app)
    await browser.request("POST", path, headers=_same_origin(settings))
    refused = await browser.request("POST", binding.CONFIRM_PATH, data={}, headers=_same_origin(settings))
    assert (refused.status, refused.json["error"]) == (401, "login_required")
    assert await _bound_cpr(db, conversation) is None
    not_yet = await browser.request("GET", binding.CONFIRM_PATH)
    assert (not_yet.status, not_yet.headers["location"]) == (303, "/auth/login")


async def test_a_used_link_cannot_be_confirmed_twice(app, db, settings) -> None:
    await seed_registers(db)
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    first = await _logged_in_with_pending_link(app, settings, path, AVIAJA)
    second = await _logged_in_with_pending_link(app, settings, path, MALIK)
    assert (
        await first.request("POST", binding.CONFIRM_PATH, data={}, headers=_same_origin(settings))
    ).status == 303
    again = await second.request("POST", binding.CONFIRM_PATH, data={}, headers=_same_origin(settings))
    assert again.status == 410
    assert await _bound_cpr(db, conversation) == AVIAJA
    assert len(await _resume_jobs(db)) == 1
    assert (await second.request("GET", binding.CONFIRM_PATH)).status == 410
    assert (
        await first.request("POST", binding.CONFIRM_PATH, data={}, headers=_same_origin(settings))
    ).status == 410


async def test_an_expired_link_cannot_be_started_or_confirmed(app, db, settings) -> None:
    await seed_registers(db)
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    browser = await _logged_in_with_pending_link(app, settings, path)
    await db.execute(update(LinkToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    await db.commit()
    assert (await browser.request("GET", path)).status == 410
    assert (await browser.request("POST", path, headers=_same_origin(settings))).status == 410
    assert (
        await browser.request("POST", binding.CONFIRM_PATH, data={}, headers=_same_origin(settings))
    ).status == 410
    assert await _bound_cpr(db, conversation) is None


async def test_do_not_connect_forgets_the_link_on_this_browser(app, db, settings) -> None:
    await seed_registers(db)
    conversation = await _sms_conversation(db)
    path = await _link(db, settings, conversation)
    browser = await _logged_in_with_pending_link(app, settings, path)
    cancelled = await browser.request("POST", binding.CANCEL_PATH, headers=_same_origin(settings))
    assert cancelled.status == 200
    assert (
        await browser.request("POST", binding.CONFIRM_PATH, data={}, headers=_same_origin(settings))
    ).status == 410
    assert (await browser.login(AVIAJA)).json["next"] == "/?chat=open"
    assert await _bound_cpr(db, conversation) is None


async def test_a_telegram_link_names_the_account_and_hides_most_of_the_chat_id(app, db, settings) -> None:
    conversation = await conversations.create_conversation(db, channel="telegram", address="987654321")
    db.add(
        InboundMessage(
            provider="telegram",
            external_id="1",
            channel="telegram",
            sender="987654321",
            sender_name="Aviaja L.",
            conversation_id=conversation.id,
            text="hej",
            status=InboundState.DONE,
        )
    )
    await db.commit()
    page = await Browser(app).request("GET", await _link(db, settings, conversation))
    assert page.status == 200
    assert "Aviaja L." in page.text and "******321" in page.text and "987654321" not in page.text


async def test_a_telegram_link_without_a_known_name_shows_the_masked_chat_id(app, db, settings) -> None:
    conversation = await conversations.create_conversation(db, channel="telegram", address="987654321")
    await db.commit()
    page = await Browser(app).request("GET", await _link(db, settings, conversation))
    assert "******321" in page.text and "987654321" not in page.text


@pytest.mark.parametrize("path", ["/l/notatoken", "/l/" + "x" * 100])
async def test_an_unknown_link_is_410_with_a_page(app, path) -> None:
    response = await Browser(app).request("GET", path)
    assert response.status == 410 and "<html" in response.text


async def test_a_confirmation_with_a_garbage_token_is_410(app, db, settings) -> None:
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    response = await browser.request(
        "POST", binding.CONFIRM_PATH, data={"token": "x" * 500}, headers=_same_origin(settings)
    )
    assert response.status == 410


def test_a_chat_id_shows_only_its_last_three_digits() -> None:
    assert binding.mask_chat_id("424242") == "***242"
    assert binding.mask_chat_id("-1001234567") == "********567"
    assert binding.mask_chat_id("12") == "***12"


async def test_binding_a_phone_answers_in_the_registers_language_unless_a_better_one_is_known(
    db, settings
) -> None:
    await seed_registers(db)
    silent = await binding.bind_phone(db, MALIK, "+299559961", settings, actor="test")
    assert (silent.language, silent.language_source) == ("da", "register")  # only a file was sent
    writing = await conversations.get_or_create_for_address(db, channel="sms", address="+299559962")
    writing.language, writing.language_source = "sv", "detected"
    await binding.bind_phone(db, MALIK, "+299559962", settings, actor="test")
    assert (writing.language, writing.language_source) == ("sv", "detected")
