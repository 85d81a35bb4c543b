"""Typed models. Importing this package registers every table on Base.metadata (Alembic relies on it)."""

from backend.models import applications, audit, conversations, registers  # noqa: F401
from backend.models import caseworkers, messaging, scheduling  # noqa: F401
from backend.models.base import Base

__all__ = ["Base"]
