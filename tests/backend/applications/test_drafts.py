"""Resumable drafts: offered to the person on any conversation, continued with their answers (checked
against the registers), started again, saved step by step, and expired."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.applications.drafts import (
    DraftContinued,
    DraftResumable,
    continue_draft,
    purge_expired_drafts,
    restart_draft,
    save_answers,
    start_application,
)
from backend.applications.references import ALPHABET
from backend.applications.service import (
    DraftAlreadyApplied,
    DraftReady,
    DraftReferral,
    UnknownDraft,
)
from backend.config import Settings
from backend.dao.audit import dao_get_audit_entries
from backend.errors import InvalidInput
from backend.models.applications import Application, Draft
from backend.models.conversations import Conversation
from backend.models.registers import Person, Tenancy
from backend.phones import InvalidPhone
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    MALIK,
    NIVI,
    create_conversation,
    seed_registers,
    submit_draft,
)

# 3 December 2026, 10:00 in Nuuk (UTC-2).
DEC_3 = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
LATER = DEC_3 + timedelta(days=2)
DWELLING_ANSWERED = {"dwelling_confirmed": True}
ALL_ANSWERED = {
    "dwelling_confirmed": False,
    "dwelling_correction": "Huslejen er 6.900 kr. fra januar",
    "household_confirmed": True,
    "phone": "+299 55 12 34",
}


@pytest.fixture(autouse=True)
async def _registers(db: AsyncSession) -> None:
    await seed_registers(db)


async def _answered_draft(
    db: AsyncSession, settings: Settings, conversation: Conversation, answers: dict | None = None
) -> Draft:
    """Aviaja asked to apply on 3 December and answered the dwelling question."""
    outcome = await start_application(db, conversation, AVIAJA, settings=settings, now=DEC_3)
    assert isinstance(outcome, DraftReady)
    return await save_answers(
        db, conversation, AVIAJA, outcome.draft.id, answers or DWELLING_ANSWERED, now=DEC_3
    )


async def _count(db: AsyncSession, model: type) -> int:
    return (await db.execute(select(func.count()).select_from(model))).scalar_one()


async def test_a_first_request_prepares_a_new_draft_with_a_reference_and_no_answers(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    outcome = await start_application(db, conversation, AVIAJA, settings=settings, now=DEC_3)
    assert isinstance(outcome, DraftReady)
    draft = outcome.draft
    assert draft.reference.startswith("KL-") and len(draft.reference) == 9
    assert set(draft.reference[3:]) <= set(ALPHABET)
    assert (draft.answers, draft.last_step, draft.last_step_at) == ({}, None, None)
    assert draft.snapshot["dwelling"]["tenant_number"] == "INI-104233"


async def test_a_draft_with_answers_is_offered_on_a_new_login_elsewhere_with_the_day_it_was_started(
    db: AsyncSession, settings: Settings
) -> None:
    web = await create_conversation(db)
    draft = await _answered_draft(db, settings, web)
    sms = await create_conversation(db, channel="sms")
    outcome = await start_application(db, sms, AVIAJA, settings=settings, now=LATER)
    assert isinstance(outcome, DraftResumable)
    assert outcome.draft.id == draft.id
    assert outcome.started_on == date(2026, 12, 3)
    assert await _count(db, Draft) == 1  # nothing new was prepared
    [offered] = await dao_get_audit_entries(db, action="draft_offered")
    assert offered.person_cpr == AVIAJA
    assert offered.details == {"draft": draft.reference, "conversation": sms.id}


async def test_the_day_started_is_the_day_in_greenland(db: AsyncSession, settings: Settings) -> None:
    conversation = await create_conversation(db)
    late_evening = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)  # 3 December, 23:30 in Nuuk
    outcome = await start_application(db, conversation, AVIAJA, settings=settings, now=late_evening)
    assert isinstance(outcome, DraftReady)
    await save_answers(db, conversation, AVIAJA, outcome.draft.id, DWELLING_ANSWERED, now=late_evening)
    offer = await start_application(db, conversation, AVIAJA, settings=settings, now=LATER)
    assert isinstance(offer, DraftResumable) and offer.started_on == date(2026, 12, 3)


async def test_a_draft_without_answers_is_not_offered_and_a_fresh_draft_is_prepared(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    first = await start_application(db, conversation, AVIAJA, settings=settings, now=DEC_3)
    second = await start_application(db, conversation, AVIAJA, settings=settings, now=LATER)
    assert isinstance(first, DraftReady) and isinstance(second, DraftReady)
    assert second.draft.id != first.draft.id


async def test_a_draft_is_offered_only_to_its_own_person(db: AsyncSession, settings: Settings) -> None:
    await _answered_draft(db, settings, await create_conversation(db))
    karin = await create_conversation(db, cpr=KARIN, language="sv")
    outcome = await start_application(db, karin, KARIN, settings=settings, now=LATER)
    assert isinstance(outcome, DraftReady) and outcome.draft.person_cpr == KARIN


async def test_a_draft_idle_longer_than_the_retention_is_not_offered(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    await _answered_draft(db, settings, conversation)
    short = replace(settings, draft_retention_days=1)
    outcome = await start_application(db, conversation, AVIAJA, settings=short, now=LATER)
    assert isinstance(outcome, DraftReady) and outcome.draft.answers == {}


async def test_last_months_draft_is_not_offered(db: AsyncSession, settings: Settings) -> None:
    conversation = await create_conversation(db)
    november = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    outcome = await start_application(db, conversation, AVIAJA, settings=settings, now=november)
    assert isinstance(outcome, DraftReady)
    await save_answers(db, conversation, AVIAJA, outcome.draft.id, DWELLING_ANSWERED, now=november)
    december = await start_application(db, conversation, AVIAJA, settings=settings, now=DEC_3)
    assert isinstance(december, DraftReady) and december.draft.period == "2026-12"


async def test_after_submitting_the_month_is_already_applied_whatever_the_choice(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await _answered_draft(db, settings, conversation)
    await submit_draft(db, conversation, draft.id, settings, now=DEC_3)
    for use_case in (start_application, continue_draft, restart_draft):
        outcome = await use_case(db, conversation, AVIAJA, settings=settings, now=LATER)
        assert isinstance(outcome, DraftAlreadyApplied), use_case.__name__
    assert await _count(db, Draft) == 1


async def test_each_answer_is_saved_with_the_last_step_and_its_time_and_audited(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await _answered_draft(db, settings, conversation)
    assert (draft.answers, draft.last_step, draft.last_step_at) == (
        DWELLING_ANSWERED,
        "dwelling_confirmed",
        DEC_3,
    )
    saved = await save_answers(db, conversation, AVIAJA, draft.id, ALL_ANSWERED, now=LATER)
    assert saved.answers == {**ALL_ANSWERED, "phone": "+299551234"}  # the number in E.164
    assert (saved.last_step, saved.last_step_at) == ("phone", LATER)
    entries = await dao_get_audit_entries(db, action="draft_answered")
    assert [e.details["last_step"] for e in entries] == ["dwelling_confirmed", "phone"]
    assert all(e.person_cpr == AVIAJA and e.actor == "citizen" for e in entries)


async def test_saving_the_same_answers_again_changes_neither_the_time_nor_the_audit(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await _answered_draft(db, settings, conversation)
    again = await save_answers(
        db, conversation, AVIAJA, draft.id, {**DWELLING_ANSWERED, "phone": None}, now=LATER
    )
    assert again.last_step_at == DEC_3
    assert len(await dao_get_audit_entries(db, action="draft_answered")) == 1


async def test_a_correction_is_cleaned_of_control_characters(db: AsyncSession, settings: Settings) -> None:
    conversation = await create_conversation(db)
    draft = await _answered_draft(db, settings, conversation)
    answers = {"dwelling_confirmed": False, "dwelling_correction": "  Lejen\u202e er\x00 forkert \r\n"}
    saved = await save_answers(db, conversation, AVIAJA, draft.id, answers, now=LATER)
    assert saved.answers["dwelling_correction"] == "Lejen er forkert"


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ([True], InvalidInput),
        ({"income": 1}, InvalidInput),
        ({"dwelling_confirmed": "ja"}, InvalidInput),
        ({"dwelling_confirmed": True, "dwelling_correction": "x"}, InvalidInput),
        ({"household_correction": "x"}, InvalidInput),
        ({"dwelling_confirmed": False, "dwelling_correction": "   "}, InvalidInput),
        ({"dwelling_confirmed": False, "dwelling_correction": "x" * 2001}, InvalidInput),
        ({"dwelling_confirmed": False, "dwelling_correction": 7}, InvalidInput),
        ({"phone": "12"}, InvalidPhone),
        ({"phone": 551234}, InvalidPhone),
    ],
)
async def test_bad_answers_are_refused_and_the_saved_ones_stay(
    db: AsyncSession, settings: Settings, answers: object, error: type[Exception]
) -> None:
    conversation = await create_conversation(db)
    draft = await _answered_draft(db, settings, conversation)
    with pytest.raises(error):
        await save_answers(db, conversation, AVIAJA, draft.id, answers, now=LATER)
    await db.refresh(draft)
    assert (draft.answers, draft.last_step_at) == (DWELLING_ANSWERED, DEC_3)


async def test_answers_cannot_be_saved_on_another_persons_or_a_sent_or_unknown_draft(
    db: AsyncSession, settings: Settings
) -> None:
    aviaja = await create_conversation(db)
    draft = await _answered_draft(db, settings, aviaja)
    karin = await create_conversation(db, cpr=KARIN)
    with pytest.raises(UnknownDraft):
        await save_answers(db, karin, KARIN, draft.id, DWELLING_ANSWERED)
    for unknown in ("no-such-draft", None, 42, "x" * 500):
        with pytest.raises(UnknownDraft):
            await save_answers(db, aviaja, AVIAJA, unknown, DWELLING_ANSWERED)
    await submit_draft(db, aviaja, draft.id, settings, now=DEC_3)
    with pytest.raises(UnknownDraft):
        await save_answers(db, aviaja, AVIAJA, draft.id, ALL_ANSWERED)


async def test_continuing_on_another_conversation_keeps_the_answers_and_the_snapshot(
    db: AsyncSession, settings: Settings
) -> None:
    web = await create_conversation(db)
    draft = await _answered_draft(db, settings, web)
    snapshot = dict(draft.snapshot)
    new_browser = await create_conversation(db)
    outcome = await continue_draft(db, new_browser, AVIAJA, settings=settings, now=LATER)
    assert isinstance(outcome, DraftContinued)
    assert outcome.draft.id == draft.id and outcome.draft.answers == DWELLING_ANSWERED
    assert outcome.draft.snapshot == snapshot
    assert outcome.register_changed == () and outcome.started_on == date(2026, 12, 3)
    [entry] = await dao_get_audit_entries(db, action="draft_continued")
    assert entry.details == {"draft": draft.reference, "conversation": new_browser.id, "register_changed": []}


async def test_a_continued_draft_is_sent_once_from_the_new_conversation(
    db: AsyncSession, settings: Settings
) -> None:
    web = await create_conversation(db)
    draft = await _answered_draft(db, settings, web)
    sms = await create_conversation(db, channel="sms")
    await continue_draft(db, sms, AVIAJA, settings=settings, now=LATER)
    first = await submit_draft(db, sms, draft.id, settings, now=LATER)
    again = await submit_draft(db, web, draft.id, settings, now=LATER)  # the old conversation sends too
    assert first.created and not again.created
    assert again.application.reference == first.application.reference
    stored = (await db.execute(select(Application))).scalar_one()
    assert (stored.channel, stored.conversation_id) == ("sms", sms.id)


async def test_a_household_changed_in_the_register_is_shown_anew_and_asked_again(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await _answered_draft(
        db, settings, conversation, {"dwelling_confirmed": True, "household_confirmed": True}
    )
    hans = await db.get(Person, "1105842219")
    assert hans is not None
    hans.household_id = "HH-moved-out"
    await db.commit()
    outcome = await continue_draft(db, conversation, AVIAJA, settings=settings, now=LATER)
    assert isinstance(outcome, DraftContinued)
    assert outcome.register_changed == ("household",)
    assert [m["name"] for m in outcome.draft.snapshot["household"]] == ["Aviaja Lyberth", "Ivalo Lyberth"]
    assert outcome.display["household_list"] == ["Aviaja Lyberth", "Ivalo Lyberth"]
    assert outcome.draft.answers == {"dwelling_confirmed": True}
    assert outcome.draft.last_step == "dwelling_confirmed"
    stored = await db.get(Draft, draft.id)
    assert stored is not None and stored.answers == {"dwelling_confirmed": True}


async def test_a_changed_rent_clears_the_dwelling_answer_and_its_correction(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    await _answered_draft(db, settings, conversation, ALL_ANSWERED)
    tenancy = (await db.execute(select(Tenancy).where(Tenancy.tenant_cpr == AVIAJA))).scalar_one()
    tenancy.rent_monthly = Decimal("6900.00")
    await db.commit()
    outcome = await continue_draft(db, conversation, AVIAJA, settings=settings, now=LATER)
    assert isinstance(outcome, DraftContinued) and outcome.register_changed == ("dwelling",)
    assert outcome.display["rent_amount"] == "6900.00"
    assert outcome.draft.answers == {"household_confirmed": True, "phone": "+299551234"}


async def test_a_tenancy_that_is_no_longer_prefilled_refers_and_discards_the_draft(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    await _answered_draft(db, settings, conversation)
    tenancy = (await db.execute(select(Tenancy).where(Tenancy.tenant_cpr == AVIAJA))).scalar_one()
    tenancy.landlord = "private"
    await db.commit()
    outcome = await continue_draft(db, conversation, AVIAJA, settings=settings, now=LATER)
    assert isinstance(outcome, DraftReferral) and outcome.reason == "private_landlord"
    assert await _count(db, Draft) == 0
    [entry] = await dao_get_audit_entries(db, action="draft_discarded")
    assert entry.details["reason"] == "referral:private_landlord"


async def test_continuing_when_nothing_is_left_to_continue_prepares_a_new_draft(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    outcome = await continue_draft(db, conversation, AVIAJA, settings=settings, now=DEC_3)
    assert isinstance(outcome, DraftReady) and not isinstance(outcome, DraftContinued)
    referral = await continue_draft(db, conversation, NIVI, settings=settings, now=DEC_3)
    assert isinstance(referral, DraftReferral)


async def test_starting_again_discards_every_open_draft_of_the_month_and_prepares_a_new_one(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    answered = await _answered_draft(db, settings, conversation)
    empty = await start_application(db, await create_conversation(db), AVIAJA, settings=settings, now=DEC_3)
    assert isinstance(empty, DraftResumable)  # the answered one is offered, nothing new was made
    outcome = await restart_draft(db, conversation, AVIAJA, settings=settings, now=LATER)
    assert isinstance(outcome, DraftReady) and outcome.draft.answers == {}
    drafts = (await db.execute(select(Draft))).scalars().all()
    assert [d.id for d in drafts] == [outcome.draft.id]
    [entry] = await dao_get_audit_entries(db, action="draft_discarded")
    assert (entry.person_cpr, entry.details) == (AVIAJA, {"draft": answered.reference, "reason": "restarted"})
    again = await start_application(db, conversation, AVIAJA, settings=settings, now=LATER)
    assert isinstance(again, DraftReady) and again.draft.id != answered.id


async def test_starting_again_leaves_other_peoples_drafts_alone(db: AsyncSession, settings: Settings) -> None:
    await _answered_draft(db, settings, await create_conversation(db))
    karin = await create_conversation(db, cpr=KARIN)
    await restart_draft(db, karin, KARIN, settings=settings, now=LATER)
    offer = await start_application(db, await create_conversation(db), AVIAJA, settings=settings, now=LATER)
    assert isinstance(offer, DraftResumable)


async def test_drafts_idle_longer_than_the_retention_are_purged_and_sent_ones_are_kept(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    old = await _answered_draft(db, settings, conversation)  # last answer on 3 December
    sent = await start_application(
        db, await create_conversation(db, cpr=KARIN), KARIN, settings=settings, now=DEC_3
    )
    assert isinstance(sent, DraftReady)
    karin = await db.get(Conversation, sent.draft.conversation_id)
    assert karin is not None
    await submit_draft(db, karin, sent.draft.id, settings, now=DEC_3)
    malik = await create_conversation(db, cpr=MALIK, language="da")
    recent = await start_application(db, malik, MALIK, settings=settings, now=DEC_3 + timedelta(days=25))
    assert isinstance(recent, DraftReady)
    now = DEC_3 + timedelta(days=31)
    assert await purge_expired_drafts(db, settings, now=now) == 1
    await db.commit()
    remaining = {d.id for d in (await db.execute(select(Draft))).scalars().all()}
    assert remaining == {sent.draft.id, recent.draft.id}
    assert old.id not in remaining


def test_the_retention_is_read_from_draft_retention_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRAFT_RETENTION_DAYS", "12")
    assert Settings.from_env().draft_retention_days == 12
    monkeypatch.delenv("DRAFT_RETENTION_DAYS")
    assert Settings.from_env().draft_retention_days == 30
