"""The register adapter interface: what the application service may ask the municipality's registers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

PREFILLED_LANDLORDS = ("INI A/S", "Iserit A/S")


@dataclass(frozen=True)
class PersonRecord:
    cpr: str
    name: str
    language: str
    address: str
    phone_e164: str | None


@dataclass(frozen=True)
class HouseholdMember:
    """A member of the applicant's household. The CPR number stays inside the backend, never shown."""

    cpr: str
    name: str
    relation: str  # self | spouse | partner | child | other
    birth_year: int | None


@dataclass(frozen=True)
class TenancyRecord:
    tenant_cpr: str
    landlord: str  # "INI A/S" | "Iserit A/S" | "private" | another landlord's name
    address: str | None
    rooms: int | None
    rent_monthly: Decimal | None
    move_in: date | None
    tenant_number: str | None

    @property
    def prefilled(self) -> bool:
        """Only the housing companies' tenancies carry facts the municipality can prefill."""
        return self.landlord in PREFILLED_LANDLORDS


class PersonRegister(Protocol):
    async def person(self, cpr: str) -> PersonRecord | None: ...

    async def household(self, cpr: str) -> list[HouseholdMember]:
        """Everyone living with the person, the person first."""
        ...


class HousingRegister(Protocol):
    async def tenancy(self, cpr: str) -> TenancyRecord | None: ...


@dataclass(frozen=True)
class Registers:
    persons: PersonRegister
    housing: HousingRegister
