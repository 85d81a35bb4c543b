"""eID logins in flight (OpenID Connect): what the callback needs, in the database so that any
instance can finish a login another one started."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models.base import Base, utcnow


class OidcLogin(Base):
    """One authorization request sent to the eID provider; deleted when its callback arrives."""

    __tablename__ = "oidc_logins"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of `state`
    nonce: Mapped[str] = mapped_column(String(64))  # the ID token must carry it
    code_verifier: Mapped[str] = mapped_column(String(128))  # PKCE; sent once, to the token endpoint
    session_token_hash: Mapped[str] = mapped_column(String(64))  # the browser session that started it
    language: Mapped[str] = mapped_column(String(2))  # the citizen's language when the login started
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
