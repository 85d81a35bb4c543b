from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from backend.auth import sessions
from backend.models.conversations import Conversation, WebSession
from tests.backend.applications.factories import AVIAJA, seed_registers
from tests.backend.channels.support import Browser, FakeRasa


def test_the_stored_hash_is_the_sha256_of_the_token() -> None:
    assert sessions.hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_tokens_are_long_and_never_repeat() -> None:
    tokens = {sessions.new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert min(len(t) for t in tokens) >= 40


async def test_an_active_session_slides_and_the_logged_in_binding_with_it(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    await seed_registers(db)
    browser = Browser(app)
    await browser.login(AVIAJA)
    soon = datetime.now(UTC) + timedelta(minutes=5)
    await db.execute(update(WebSession).values(expires_at=soon))
    await db.execute(update(Conversation).values(bound_until=soon))
    await db.commit()

    await browser.say("hej")
    assert browser.last_set_cookie is not None  # the cookie's max-age is renewed too
    session = (await db.execute(select(WebSession))).scalars().one()
    conversation = (await db.execute(select(Conversation))).scalars().one()
    # A logged-in session lives CITIZEN_IDLE_MINUTES (15) past the citizen's last message.
    assert (
        datetime.now(UTC) + timedelta(minutes=14)
        < session.expires_at
        <= datetime.now(UTC) + timedelta(minutes=15)
    )
    assert conversation.bound_until == session.expires_at


async def test_an_expired_session_row_is_removed_when_it_is_presented(app, db: AsyncSession) -> None:
    FakeRasa().install(app)
    browser = Browser(app)
    await browser.say("hej")
    await db.execute(update(WebSession).values(expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    await db.commit()
    await browser.history()
    assert (await db.execute(select(WebSession))).scalars().all() == []
