import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.applications.service import (
    AlreadyApplied,
    DraftAlreadyApplied,
    DraftReady,
    DraftReferral,
    UnknownDraft,
    application_summary,
    prepare_draft,
    status_for_person,
    submit,
)
from backend.config import Settings
from backend.dao.audit import dao_get_audit_entries
from backend.errors import InvalidInput
from backend.models.applications import Application, Draft
from backend.models.conversations import Conversation
from backend.models.states import ApplicationStatus, Decision
from backend.phones import InvalidPhone
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    MALIK,
    NIVI,
    PETER,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)

NOV_15 = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
async def _registers(db: AsyncSession) -> None:
    await seed_registers(db)


async def test_a_draft_for_aviaja_shows_exactly_the_facts_of_the_registers(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db, cpr=AVIAJA)
    outcome = await create_draft(db, conversation, settings, now=NOV_15)
    assert outcome.draft.snapshot == {
        "period": "2026-11",
        "prepared_at": "2026-11-15T12:00:00+00:00",
        "tenant": {
            "name": "Aviaja Lyberth",
            "cpr_masked": "070886-xxxx",
            "address": "Aqqusinersuaq 12, 2. th., 3900 Nuuk",
        },
        "dwelling": {
            "address": "Aqqusinersuaq 12, 2. th., 3900 Nuuk",
            "rooms": 3,
            "rent_monthly": "6450.00",
            "landlord": "INI A/S",
            "move_in": "2019-03-01",
            "tenant_number": "INI-104233",
        },
        "household": [
            {"name": "Aviaja Lyberth", "relation": "self"},
            {"name": "Hans Lyberth", "relation": "spouse"},
            {"name": "Ivalo Lyberth", "relation": "child"},
        ],
        "register_phone": "+299551234",
    }
    assert outcome.register_phone == "+299551234"
    assert outcome.display == {
        "now_datetime": "2026-11-15T12:00:00+00:00",
        "period_month": "2026-11",
        "tenant_name": "Aviaja Lyberth",
        "tenant_cpr_masked": "070886-xxxx",
        "tenant_address": "Aqqusinersuaq 12, 2. th., 3900 Nuuk",
        "dwelling_address": "Aqqusinersuaq 12, 2. th., 3900 Nuuk",
        "rooms": 3,
        "rent_amount": "6450.00",
        "landlord": "INI A/S",
        "move_in_date": "2019-03-01",
        "tenant_number": "INI-104233",
        "household_list": ["Aviaja Lyberth", "Hans Lyberth", "Ivalo Lyberth"],
    }


async def test_the_stored_draft_never_contains_a_household_members_cpr(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db, cpr=KARIN, language="sv")
    outcome = await create_draft(db, conversation, settings)
    stored = await db.get(Draft, outcome.draft.id)
    assert stored is not None and stored.person_cpr == KARIN
    text = str(stored.snapshot)
    for member_cpr in ("1409154402", "0211174385", KARIN):
        assert member_cpr not in text
    assert [m["name"] for m in stored.snapshot["household"]] == [
        "Karin Andersson",
        "Elsa Andersson",
        "Nils Andersson",
    ]


async def test_malik_gets_a_draft_without_a_register_phone(db: AsyncSession, settings: Settings) -> None:
    conversation = await create_conversation(db, cpr=MALIK, language="da")
    outcome = await create_draft(db, conversation, settings)
    assert outcome.register_phone is None
    assert outcome.display["landlord"] == "Iserit A/S"
    assert outcome.display["household_list"] == ["Malik Petersen"]


@pytest.mark.parametrize(("cpr", "reason"), [(NIVI, "private_landlord"), (PETER, "no_tenancy")])
async def test_private_landlords_and_missing_tenancies_are_referred_to_the_manual_form(
    db: AsyncSession, settings: Settings, cpr: str, reason: str
) -> None:
    conversation = await create_conversation(db, cpr=cpr)
    outcome = await prepare_draft(db, conversation.id, cpr, settings=settings)
    assert outcome == DraftReferral(reason, "https://www.sullissivik.gl/Forms/Boligsikring")
    assert (await db.execute(select(func.count()).select_from(Draft))).scalar_one() == 0


async def test_the_period_is_the_current_month_in_greenland(db: AsyncSession, settings: Settings) -> None:
    conversation = await create_conversation(db)
    # 1 December 01:30 UTC is still 30 November in Nuuk (UTC-2).
    outcome = await create_draft(db, conversation, settings, now=datetime(2026, 12, 1, 1, 30, tzinfo=UTC))
    assert outcome.draft.period == "2026-11"


async def test_submitting_stores_the_application_with_confirmations_and_the_conversations_channel(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db, cpr=KARIN, channel="sms", language="sv")
    draft = await create_draft(db, conversation, settings)
    submission = await submit_draft(
        db,
        conversation,
        draft.draft.id,
        settings,
        phone="0046 70-123 45 67",
        dwelling_confirmed=False,
        corrections=[{"section": "dwelling", "text": "Hyran är 7 300 kr sedan januari"}],
    )
    assert submission.created
    stored = (await db.execute(select(Application))).scalar_one()
    assert stored.reference == submission.application.reference
    assert stored.reference.startswith("BS-") and len(stored.reference) == 9
    assert (stored.person_cpr, stored.channel, stored.language, stored.phone_e164) == (
        KARIN,
        "sms",
        "sv",
        "+46701234567",
    )
    assert (stored.dwelling_confirmed, stored.household_confirmed) == (False, True)
    assert stored.corrections == [{"section": "dwelling", "text": "Hyran är 7 300 kr sedan januari"}]
    assert stored.snapshot == draft.draft.snapshot
    assert stored.status == ApplicationStatus.SUBMITTED


async def test_the_language_defaults_when_the_conversation_has_none(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db, language=None)
    draft = await create_draft(db, conversation, settings)
    submission = await submit_draft(db, conversation, draft.draft.id, settings)
    assert submission.application.language == settings.default_language


async def test_submitting_the_same_draft_twice_returns_the_same_application(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)
    first = await submit_draft(db, conversation, draft.draft.id, settings)
    second = await submit_draft(db, conversation, draft.draft.id, settings)
    assert (first.created, second.created) == (True, False)
    assert second.application.reference == first.application.reference
    assert (await db.execute(select(func.count()).select_from(Application))).scalar_one() == 1


async def test_a_second_draft_in_the_same_month_is_refused_as_already_applied(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    first_draft = await create_draft(db, conversation, settings)
    second_draft = await create_draft(db, conversation, settings)
    first = await submit_draft(db, conversation, first_draft.draft.id, settings)
    with pytest.raises(AlreadyApplied) as error:
        await submit_draft(db, conversation, second_draft.draft.id, settings)
    assert error.value.application.reference == first.application.reference
    assert error.value.status == 409


async def test_a_new_draft_after_submitting_says_already_applied(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)
    submission = await submit_draft(db, conversation, draft.draft.id, settings)
    outcome = await prepare_draft(db, conversation.id, AVIAJA, settings=settings)
    assert isinstance(outcome, DraftAlreadyApplied)
    assert outcome.application.reference == submission.application.reference


async def test_next_month_a_new_application_is_possible(db: AsyncSession, settings: Settings) -> None:
    conversation = await create_conversation(db)
    november = await create_draft(db, conversation, settings, now=NOV_15)
    await submit_draft(db, conversation, november.draft.id, settings)
    december = await prepare_draft(
        db, conversation.id, AVIAJA, settings=settings, now=NOV_15 + timedelta(days=30)
    )
    assert isinstance(december, DraftReady) and december.draft.period == "2026-12"


async def test_two_racing_submits_of_one_draft_create_one_application(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)

    async def _submit() -> str:
        async with sessions() as own:
            mine = await own.get(Conversation, conversation.id)
            assert mine is not None
            return (await submit_draft(own, mine, draft.draft.id, settings)).application.reference

    references = await asyncio.gather(*(_submit() for _ in range(4)))
    assert len(set(references)) == 1
    assert (await db.execute(select(func.count()).select_from(Application))).scalar_one() == 1


async def test_racing_submits_of_two_drafts_for_one_month_create_one_application(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    conversation = await create_conversation(db)
    drafts = [await create_draft(db, conversation, settings) for _ in range(2)]

    async def _submit(draft_id: str) -> str:
        async with sessions() as own:
            mine = await own.get(Conversation, conversation.id)
            assert mine is not None
            try:
                return (await submit_draft(own, mine, draft_id, settings)).application.reference
            except AlreadyApplied as error:
                return "409:" + error.application.reference

    results = await asyncio.gather(*(_submit(d.draft.id) for d in drafts))
    created = [r for r in results if not r.startswith("409:")]
    assert len(created) == 1
    assert results.count("409:" + created[0]) == 1


async def test_an_acknowledged_application_is_committed(
    db: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)
    submission = await submit_draft(db, conversation, draft.draft.id, settings)
    async with sessions() as other:
        stored = (await other.execute(select(Application))).scalar_one()
    assert stored.reference == submission.application.reference


async def test_submitting_records_an_audit_entry(db: AsyncSession, settings: Settings) -> None:
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)
    submission = await submit_draft(db, conversation, draft.draft.id, settings)
    entries = await dao_get_audit_entries(db, action="application_submitted")
    assert [(e.actor, e.person_cpr, e.application_reference) for e in entries] == [
        ("citizen", AVIAJA, submission.application.reference)
    ]


async def test_an_invalid_phone_is_refused_and_nothing_is_stored(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)
    with pytest.raises(InvalidPhone):
        await submit_draft(db, conversation, draft.draft.id, settings, phone="12 34")
    assert (await db.execute(select(func.count()).select_from(Application))).scalar_one() == 0


async def test_a_draft_of_another_conversation_or_person_is_unknown(
    db: AsyncSession, settings: Settings
) -> None:
    aviaja = await create_conversation(db, cpr=AVIAJA)
    karin = await create_conversation(db, cpr=KARIN)
    draft = await create_draft(db, aviaja, settings)
    with pytest.raises(UnknownDraft):
        await submit_draft(db, karin, draft.draft.id, settings)
    with pytest.raises(UnknownDraft):
        await submit(
            db,
            conversation=aviaja,
            person_cpr=KARIN,
            draft_id=draft.draft.id,
            dwelling_confirmed=True,
            household_confirmed=True,
            corrections=[],
            phone="551234",
            settings=settings,
        )
    with pytest.raises(UnknownDraft):
        await submit_draft(db, aviaja, "no-such-draft", settings)


async def test_bad_corrections_are_refused(db: AsyncSession, settings: Settings) -> None:
    conversation = await create_conversation(db)
    draft = await create_draft(db, conversation, settings)
    with pytest.raises(InvalidInput):
        await submit_draft(
            db, conversation, draft.draft.id, settings, corrections=[{"section": "income", "text": "x"}]
        )


async def test_status_is_the_latest_application_with_its_decision(
    db: AsyncSession, settings: Settings
) -> None:
    conversation = await create_conversation(db)
    assert await status_for_person(db, AVIAJA) is None
    october = await create_draft(db, conversation, settings, now=NOV_15 - timedelta(days=31))
    old = await submit_draft(db, conversation, october.draft.id, settings, now=NOV_15 - timedelta(days=31))
    november = await create_draft(db, conversation, settings, now=NOV_15)
    new = await submit_draft(db, conversation, november.draft.id, settings, now=NOV_15)
    old.application.status, old.application.decision = ApplicationStatus.DECIDED, Decision.GRANTED
    new.application.status, new.application.decision = ApplicationStatus.DECIDED, Decision.REFUSED
    new.application.decided_on = date(2026, 11, 20)
    await db.commit()
    latest = await status_for_person(db, AVIAJA)
    assert latest is not None
    assert application_summary(latest) == {
        "reference": new.application.reference,
        "status": "decided",
        "submitted_at": "2026-11-15T12:00:00+00:00",
        "period": "2026-11",
        "decision": "refused",
        "decided_on": "2026-11-20",
    }
    assert await status_for_person(db, KARIN) is None
