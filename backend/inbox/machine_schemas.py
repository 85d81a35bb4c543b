"""Request and response models of the machine clients' routes (backend/inbox/machine_api.py): the token
endpoint, the feed and the administration of clients. Closed like backend/inbox/schemas.py."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Scope = Literal["applications:read", "applications:write", "messages:write"]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class _Query(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TokenAnswer(_Answer):
    """RFC 6749, 5.1: a Bearer access token and the scopes it carries (space-separated)."""

    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str


class FeedQuery(_Query):
    """`after`: the `next_cursor` of the previous page (empty or absent: from the start); `limit`:
    at most this many changes (1-200, default 50)."""

    after: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=50, ge=1, le=200)


class FeedItem(_Answer):
    """One new or changed application: its reference, what changed and its status after the change.
    No other personal data: GET /applications/{reference} gives the details (audited)."""

    cursor: str
    reference: str
    change: Literal["submitted", "status", "decision", "assignment", "taken_over", "corrections"]
    status: str
    changed_at: str


class FeedPage(_Answer):
    changes: list[FeedItem]
    next_cursor: str


class ClientRecord(_Answer):
    client_id: str
    name: str
    scopes: list[Scope]
    active: bool
    created_at: str | None
    rotated_at: str | None
    revoked_at: str | None
    webhook_url: str | None


class ClientList(_Answer):
    clients: list[ClientRecord]


class ClientWithSecret(ClientRecord):
    """The client and its secret: shown in this answer only (only a hash is kept)."""

    client_secret: str


class ClientWithWebhookSecret(ClientRecord):
    """The client and its webhook's signing secret: shown in this answer only."""

    webhook_secret: str


class ClientCreate(_Body):
    name: str = Field(min_length=1, max_length=64)
    scopes: list[Scope] = Field(min_length=1, max_length=3)


class WebhookRequest(_Body):
    url: str = Field(min_length=1, max_length=500)
