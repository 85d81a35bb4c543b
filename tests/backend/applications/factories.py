"""Test data built through the product's own code: demo registers, drafts and submissions.

Conversations are created as rows here because the conversation service (helper H2) is not ours.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from backend.applications.service import DraftReady, Submission, prepare_draft, submit
from backend.config import Settings
from backend.models.conversations import Conversation
from backend.registers.seed import seed_demo_registers

AVIAJA, MALIK, KARIN, NIVI, PETER = "0708861234", "1502921235", "3003901238", "2304781236", "0112651237"


async def seed_registers(db: AsyncSession) -> None:
    await seed_demo_registers(db)
    await db.commit()


async def create_conversation(
    db: AsyncSession,
    *,
    cpr: str | None = AVIAJA,
    channel: str = "web",
    language: str | None = "kl",
    bound_until: datetime | None = None,
) -> Conversation:
    conversation = Conversation(
        id=secrets.token_hex(16),
        channel=channel,
        person_cpr=cpr,
        bound_until=bound_until,
        language=language,
        language_source="widget" if language else None,
    )
    db.add(conversation)
    await db.commit()
    return conversation


async def create_draft(
    db: AsyncSession, conversation: Conversation, settings: Settings, *, now: datetime | None = None
) -> DraftReady:
    assert conversation.person_cpr is not None
    outcome = await prepare_draft(db, conversation.id, conversation.person_cpr, settings=settings, now=now)
    assert isinstance(outcome, DraftReady), outcome
    return outcome


async def submit_draft(
    db: AsyncSession,
    conversation: Conversation,
    draft_id: str,
    settings: Settings,
    *,
    phone: str = "+299 55 12 34",
    dwelling_confirmed: bool = True,
    household_confirmed: bool = True,
    corrections: list | None = None,
    now: datetime | None = None,
) -> Submission:
    assert conversation.person_cpr is not None
    return await submit(
        db,
        conversation=conversation,
        person_cpr=conversation.person_cpr,
        draft_id=draft_id,
        dwelling_confirmed=dwelling_confirmed,
        household_confirmed=household_confirmed,
        corrections=corrections or [],
        phone=phone,
        settings=settings,
        now=now or datetime.now(UTC),
    )
