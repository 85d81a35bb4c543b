"""oidc: pending eID logins (state, nonce, PKCE verifier) and the ID token hint for logout

Revision ID: c4a1e0d2f3b6
Revises: b3f9c2d71e55
Create Date: 2026-12-05 08:00:00
"""

from __future__ import annotations

from alembic import op  # noqa: F401

revision = "c4a1e0d2f3b6"
down_revision = "b3f9c2d71e55"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
