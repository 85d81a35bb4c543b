"""Person and housing registers behind a small adapter interface (see `base`).

The demo adapter (`demo`) reads the synthetic `register_*` tables; a real integration implements the
same protocols and is chosen in `factory`.
"""

from backend.registers.base import (
    HouseholdMember,
    HousingRegister,
    PersonRecord,
    PersonRegister,
    Registers,
    TenancyRecord,
)

__all__ = [
    "HouseholdMember",
    "HousingRegister",
    "PersonRecord",
    "PersonRegister",
    "Registers",
    "TenancyRecord",
]
