"""Demo person and housing registers (synthetic data). A real integration replaces the adapter, not these."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.models.base import Base


class Person(Base):
    __tablename__ = "register_persons"

    cpr: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    language: Mapped[str] = mapped_column(String(2))
    address: Mapped[str] = mapped_column(String(300))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    household_id: Mapped[str] = mapped_column(String(40), index=True)
    relation: Mapped[str] = mapped_column(String(20), default="self")  # self | spouse | partner | child | other
    birth_year: Mapped[int | None]


class Tenancy(Base):
    """A lease as reported by a housing company (INI A/S, Iserit A/S) or registered otherwise."""

    __tablename__ = "register_tenancies"

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_cpr: Mapped[str] = mapped_column(ForeignKey("register_persons.cpr"), index=True)
    landlord: Mapped[str] = mapped_column(String(100))  # "INI A/S" | "Iserit A/S" | "private"
    address: Mapped[str | None] = mapped_column(String(300))
    rooms: Mapped[int | None]
    rent_monthly: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    move_in: Mapped[date | None] = mapped_column(Date)
    tenant_number: Mapped[str | None] = mapped_column(String(40))

    tenant: Mapped[Person] = relationship()
