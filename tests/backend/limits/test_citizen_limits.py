"""Daily limits per person on what the action server asks for: applications, messages, handoffs."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from sanic import Sanic
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.app import create_app
from backend.config import Settings
from backend.models.messaging import SecureMessage
from tests.backend.applications.factories import AVIAJA, MALIK, create_conversation
from tests.backend.limits.support import freeze_clock

AUTH = {"Authorization": "Bearer test-internal-secret"}
ALWAYS_OPEN = ";".join(f"{d}=00:00-23:59" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"))
_names = itertools.count()


def limited_app(settings: Settings, **overrides: object) -> Sanic:
    return create_app(replace(settings, **overrides), name=f"inissiaq_test_daily_{next(_names)}")  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _one_window(monkeypatch: pytest.MonkeyPatch) -> None:
    freeze_clock(monkeypatch)


async def post(app: Sanic, path: str, body: dict | None = None):  # type: ignore[no-untyped-def]
    _, response = await app.asgi_client.post(path, json=body, headers=AUTH)
    return response


async def test_applications_started_per_person_and_day_are_limited(
    settings, engine, db: AsyncSession
) -> None:
    app = limited_app(settings, applications_per_day=2)
    conversation = await create_conversation(db, cpr=AVIAJA)
    answers = [await post(app, f"/internal/conversations/{conversation.id}/draft") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    refused = answers[-1]
    assert refused.json["error"] == "rate_limited"
    assert 1 <= int(refused.headers["retry-after"]) <= 24 * 60 * 60
    # Per person, not per conversation: a new chat does not start the count again; another person may.
    again = await create_conversation(db, cpr=AVIAJA)
    assert (await post(app, f"/internal/conversations/{again.id}/draft")).status == 429
    malik = await create_conversation(db, cpr=MALIK)
    assert (await post(app, f"/internal/conversations/{malik.id}/draft")).status == 200


async def test_an_anonymous_draft_request_asks_for_login_without_counting(
    settings, engine, db: AsyncSession
) -> None:
    app = limited_app(settings, applications_per_day=1)
    anonymous = await create_conversation(db, cpr=None)
    for _ in range(3):
        assert (await post(app, f"/internal/conversations/{anonymous.id}/draft")).json[
            "status"
        ] == "login_required"


async def test_messages_to_the_municipality_per_person_and_day_are_limited_on_every_instance(
    settings, engine, db: AsyncSession
) -> None:
    limited = replace(settings, citizen_messages_per_day=3)
    first, second = limited_app(limited), limited_app(limited)
    conversation = await create_conversation(db, cpr=AVIAJA)
    cid = conversation.id
    statuses = [
        (await post(first, f"/internal/conversations/{cid}/citizen-messages", {"text": "one"})).status,
        (await post(second, f"/internal/conversations/{cid}/citizen-messages", {"text": "two"})).status,
        (await post(first, f"/internal/conversations/{cid}/messages/reply", {"text": "three"})).status,
        (await post(second, f"/internal/conversations/{cid}/messages/reply", {"text": "four"})).status,
        (await post(first, f"/internal/conversations/{cid}/citizen-messages", {"text": "five"})).status,
    ]
    assert statuses == [201, 201, 201, 429, 429]
    stored = (await db.execute(select(SecureMessage.text).order_by(SecureMessage.id))).scalars().all()
    assert stored == ["one", "two", "three"]


async def test_handoff_requests_per_person_and_day_are_limited(settings, engine, db: AsyncSession) -> None:
    app = limited_app(settings, handoffs_per_day=2, opening_hours=ALWAYS_OPEN)
    conversation = await create_conversation(db, cpr=AVIAJA)
    answers = [await post(app, f"/internal/conversations/{conversation.id}/handoff") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[0].json == {"status": "queued"}
    assert "retry-after" in answers[-1].headers
    # The same person in another conversation is the same person.
    again = await create_conversation(db, cpr=AVIAJA)
    assert (await post(app, f"/internal/conversations/{again.id}/handoff")).status == 429


async def test_an_anonymous_citizens_handoffs_are_counted_per_conversation(
    settings, engine, db: AsyncSession
) -> None:
    app = limited_app(settings, handoffs_per_day=1, opening_hours=ALWAYS_OPEN)
    one, other = await create_conversation(db, cpr=None), await create_conversation(db, cpr=None)
    assert (await post(app, f"/internal/conversations/{one.id}/handoff")).status == 200
    assert (await post(app, f"/internal/conversations/{one.id}/handoff")).status == 429
    assert (await post(app, f"/internal/conversations/{other.id}/handoff")).status == 200


async def test_outside_opening_hours_a_handoff_request_is_not_counted(
    settings, engine, db: AsyncSession
) -> None:
    app = limited_app(settings, handoffs_per_day=1, opening_hours="")
    conversation = await create_conversation(db, cpr=AVIAJA)
    for _ in range(3):
        answer = await post(app, f"/internal/conversations/{conversation.id}/handoff")
        assert answer.json == {"status": "closed_hours"}
