import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from backend.inbox.admin import create_rule
from backend.models.caseworkers import RoutingRule
from backend.routing import caseworker_for, in_range
from tests.backend.applications.factories import (
    AVIAJA,
    KARIN,
    MALIK,
    create_conversation,
    create_draft,
    seed_registers,
    submit_draft,
)
from tests.backend.inbox.factories import create_caseworker


def _rule(start: tuple[int, int], end: tuple[int, int]) -> RoutingRule:
    return RoutingRule(
        from_day=start[0], from_month=start[1], to_day=end[0], to_month=end[1], caseworker_id=1
    )


@pytest.mark.parametrize(
    ("day_month", "inside"),
    [((1, 5), True), ((9, 9), True), ((7, 8), True), ((30, 4), False), ((10, 9), False)],
)
def test_a_range_includes_both_ends(day_month: tuple[int, int], inside: bool) -> None:
    assert in_range(day_month, _rule((1, 5), (9, 9))) is inside


@pytest.mark.parametrize(
    ("day_month", "inside"),
    [((10, 9), True), ((31, 12), True), ((1, 1), True), ((30, 4), True), ((1, 5), False)],
)
def test_a_range_may_wrap_over_new_year(day_month: tuple[int, int], inside: bool) -> None:
    assert in_range(day_month, _rule((10, 9), (30, 4))) is inside


async def test_submitted_applications_go_to_the_caseworker_whose_range_covers_the_birthday(
    db: AsyncSession, settings
) -> None:
    summer = await create_caseworker(db, username="summer")
    winter = await create_caseworker(db, username="winter")
    await create_rule(db, start="01.05", end="09.09", caseworker_id=summer.id, actor="test")
    await create_rule(db, start="10.09", end="31.03", caseworker_id=winter.id, actor="test")
    await seed_registers(db)
    assigned = {}
    for cpr in (AVIAJA, MALIK, KARIN):  # born 07.08, 15.02, 30.03
        conversation = await create_conversation(db, cpr=cpr)
        draft = await create_draft(db, conversation, settings)
        application = (await submit_draft(db, conversation, draft.draft.id, settings)).application
        assigned[cpr] = application.assigned_caseworker_id
    assert assigned == {AVIAJA: summer.id, MALIK: winter.id, KARIN: winter.id}


async def test_an_unmatched_birthday_stays_in_the_shared_queue(db: AsyncSession, settings) -> None:
    summer = await create_caseworker(db, username="summer")
    await create_rule(db, start="01.05", end="09.09", caseworker_id=summer.id, actor="test")
    assert await caseworker_for(db, MALIK) is None
    await seed_registers(db)
    conversation = await create_conversation(db, cpr=MALIK)
    draft = await create_draft(db, conversation, settings)
    application = (await submit_draft(db, conversation, draft.draft.id, settings)).application
    assert application.assigned_caseworker_id is None
