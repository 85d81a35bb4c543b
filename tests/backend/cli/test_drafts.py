"""`inissiaq drafts list`: the unsent drafts; `inissiaq applications list` never shows them."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backend.applications.drafts import save_answers, start_application
from backend.applications.service import DraftReady
from backend.cli import main
from backend.config import Settings
from backend.dao.audit import dao_get_audit_entries
from backend.models.conversations import Conversation
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    create_conversation,
    seed_registers,
    submit_draft,
)

DEC_3 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DEC_4 = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


async def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """main() runs its own event loop, so it runs in a thread here."""
    assert await asyncio.to_thread(main, list(argv)) == 0
    return capsys.readouterr().out


@pytest.fixture(autouse=True)
def _database_url(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)


async def _draft(
    db: AsyncSession, settings: Settings, conversation: Conversation, cpr: str, *, now: datetime = DEC_3
) -> DraftReady:
    outcome = await start_application(db, conversation, cpr, settings=settings, now=now)
    assert isinstance(outcome, DraftReady)
    return outcome


async def test_drafts_list_json_shows_each_unsent_draft_with_its_last_step(
    capsys: pytest.CaptureFixture[str], db: AsyncSession, settings: Settings
) -> None:
    await seed_registers(db)
    aviaja = await create_conversation(db)
    answered = await _draft(db, settings, aviaja, AVIAJA)
    await save_answers(db, aviaja, AVIAJA, answered.draft.id, {"dwelling_confirmed": True}, now=DEC_4)
    karin = await create_conversation(db, cpr=KARIN, language="sv")
    untouched = await _draft(db, settings, karin, KARIN, now=DEC_3 + timedelta(hours=1))

    records = json.loads(await _run(capsys, "drafts", "list", "--json"))

    assert records == [
        {
            "reference": answered.draft.reference,
            "cpr": AVIAJA,
            "month": "2026-12",
            "created_at": "2026-12-03T12:00:00+00:00",
            "started_on": "2026-12-03",
            "last_step": "dwelling_confirmed",
            "last_step_at": "2026-12-04T09:30:00+00:00",
            "expires_at": "2027-01-03T09:30:00+00:00",
        },
        {
            "reference": untouched.draft.reference,
            "cpr": KARIN,
            "month": "2026-12",
            "created_at": "2026-12-03T13:00:00+00:00",
            "started_on": "2026-12-03",
            "last_step": None,
            "last_step_at": None,
            "expires_at": "2027-01-02T13:00:00+00:00",
        },
    ]


async def test_the_expiry_follows_draft_retention_days(
    capsys: pytest.CaptureFixture[str], db: AsyncSession, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_registers(db)
    await _draft(db, settings, await create_conversation(db), AVIAJA)
    monkeypatch.setenv("DRAFT_RETENTION_DAYS", "7")
    [record] = json.loads(await _run(capsys, "drafts", "list", "--json"))
    assert record["expires_at"] == "2026-12-10T12:00:00+00:00"


async def test_a_sent_draft_is_an_application_and_an_unsent_one_is_only_a_draft(
    capsys: pytest.CaptureFixture[str], db: AsyncSession, settings: Settings
) -> None:
    await seed_registers(db)
    aviaja = await create_conversation(db)
    sent = await _draft(db, settings, aviaja, AVIAJA)
    application = (await submit_draft(db, aviaja, sent.draft.id, settings)).application
    karin = await create_conversation(db, cpr=KARIN, language="sv")
    unsent = await _draft(db, settings, karin, KARIN)
    await save_answers(db, karin, KARIN, unsent.draft.id, {"dwelling_confirmed": True}, now=DEC_4)

    applications = json.loads(await _run(capsys, "applications", "list", "--json"))
    drafts = json.loads(await _run(capsys, "drafts", "list", "--json"))

    assert [(a["reference"], a["cpr"], a["status"]) for a in applications] == [
        (application.reference, AVIAJA, "submitted")
    ]
    assert [(d["reference"], d["cpr"]) for d in drafts] == [(unsent.draft.reference, KARIN)]


async def test_listing_drafts_is_audited_per_draft(
    capsys: pytest.CaptureFixture[str], db: AsyncSession, settings: Settings
) -> None:
    await seed_registers(db)
    outcome = await _draft(db, settings, await create_conversation(db), AVIAJA)
    await _run(capsys, "drafts", "list", "--json")
    entries = await dao_get_audit_entries(db, action="draft_listed")
    assert [(e.actor, e.person_cpr, e.details) for e in entries] == [
        ("cli", AVIAJA, {"draft": outcome.draft.reference})
    ]


async def test_the_plain_listing_masks_cpr_numbers_and_says_when_there_are_none(
    capsys: pytest.CaptureFixture[str], db: AsyncSession, settings: Settings
) -> None:
    assert "no drafts" in await _run(capsys, "drafts", "list")
    assert json.loads(await _run(capsys, "drafts", "list", "--json")) == []
    await seed_registers(db)
    outcome = await _draft(db, settings, await create_conversation(db), AVIAJA)
    out = await _run(capsys, "drafts", "list")
    assert outcome.draft.reference in out and "070886-xxxx" in out and AVIAJA not in out
