"""Typed models. Importing this package registers every table on Base.metadata (Alembic relies on it)."""

from backend.models import (  # noqa: F401  # noqa: F401
    applications,
    audit,
    casework,
    caseworkers,
    conversations,
    documents,
    limits,
    machine_clients,
    messaging,
    oidc,
    outbox,
    registers,
    scheduling,
    status_events,
)
from backend.models.base import Base

__all__ = ["Base"]
