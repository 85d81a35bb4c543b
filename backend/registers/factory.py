"""The one place that chooses the register adapter. A real integration is wired in here."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings
from backend.registers.base import Registers
from backend.registers.demo import demo_registers


def registers_for(db: AsyncSession, settings: Settings) -> Registers:
    return demo_registers(db, delay_ms=settings.register_delay_ms)
