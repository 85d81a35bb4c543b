import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.cli import main
from backend.conversations.service import current_person_cpr
from backend.dao.audit import dao_get_audit_entries
from backend.models.conversations import Conversation
from tests.backend.applications.factories import MALIK, seed_registers


@pytest.fixture(autouse=True)
def _database_url(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)


async def test_bind_phone_binds_the_number_for_a_day_and_is_audited(db: AsyncSession, capsys) -> None:
    await seed_registers(db)
    code = await asyncio.to_thread(main, ["bind-phone", "--cpr", MALIK, "--phone", "52 12 34", "--by", "ane"])
    assert code == 0
    out = capsys.readouterr().out
    assert "+299 52 12 34" in out and "150292-xxxx" in out and MALIK not in out
    conversation = (await db.execute(select(Conversation))).scalars().one()
    assert (conversation.channel, conversation.channel_address) == ("sms", "+299521234")
    assert await current_person_cpr(db, conversation) == MALIK
    entries = [e for e in await dao_get_audit_entries(db) if e.action == "channel_bound"]
    assert [(e.actor, e.person_cpr, e.details["how"]) for e in entries] == [
        ("caseworker:ane", MALIK, "identity_checked_in_person")
    ]
    assert await asyncio.to_thread(main, ["unbind-phone", "--phone", "+299 52 12 34"]) == 0
    await db.refresh(conversation)
    assert conversation.person_cpr is None


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["bind-phone", "--cpr", "123", "--phone", "521234"], 2),
        (["bind-phone", "--cpr", "1502921235", "--phone", "12"], 2),
        (["bind-phone", "--cpr", "0101011234", "--phone", "521234"], 1),
    ],
)
async def test_bind_phone_refuses_bad_input_with_a_clear_message(
    db: AsyncSession, capsys, argv, code
) -> None:
    await seed_registers(db)
    assert await asyncio.to_thread(main, argv) == code
    assert "error:" in capsys.readouterr().err
    assert (await db.execute(select(Conversation))).scalars().all() == []
