"""A thin async client for the backend's internal API (docs/architecture.md, "Backend internal API")."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 4.0

# Tests replace this with an httpx.MockTransport; None means real HTTP.
transport: httpx.AsyncBaseTransport | None = None


class BackendUnavailable(Exception):
    """The backend could not answer usefully: down, slow, a 5xx, a 404 or an answer that is not JSON."""


@dataclass(frozen=True)
class Reply:
    status_code: int
    body: dict[str, Any]


@dataclass(frozen=True)
class BackendClient:
    base_url: str
    secret: str
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def from_env(cls) -> BackendClient:
        raw_timeout = os.environ.get("BACKEND_TIMEOUT_SECONDS", "")
        try:
            timeout = float(raw_timeout) if raw_timeout else DEFAULT_TIMEOUT_SECONDS
        except ValueError:
            timeout = DEFAULT_TIMEOUT_SECONDS
        return cls(
            base_url=os.environ.get("BACKEND_URL", "http://127.0.0.1:8000").rstrip("/"),
            secret=os.environ.get("INISSIAQ_INTERNAL_SECRET", ""),
            timeout=timeout,
        )

    async def request(self, method: str, path: str, json: dict[str, Any] | None = None) -> Reply:
        """One call; every outcome other than a JSON answer below 500 (and not 404) raises."""
        try:
            async with httpx.AsyncClient(
                base_url=self.base_url,
                timeout=self.timeout,
                transport=transport,
                headers={"Authorization": f"Bearer {self.secret}"},
            ) as client:
                response = await client.request(method, path, json=json)
        except httpx.HTTPError as error:
            logger.warning("backend %s %s failed: %s", method, _route(path), type(error).__name__)
            raise BackendUnavailable(type(error).__name__) from error
        if response.status_code >= 500 or response.status_code == 404:
            logger.warning("backend %s %s answered %s", method, _route(path), response.status_code)
            raise BackendUnavailable(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise BackendUnavailable("answer is not JSON") from error
        if not isinstance(body, dict):
            raise BackendUnavailable("answer is not a JSON object")
        return Reply(response.status_code, body)

    async def conversation(self, conversation_id: str) -> Reply:
        return await self.request("GET", f"/internal/conversations/{_segment(conversation_id)}")

    async def create_draft(self, conversation_id: str) -> Reply:
        return await self.request("POST", f"/internal/conversations/{_segment(conversation_id)}/draft")

    async def continue_draft(self, conversation_id: str) -> Reply:
        return await self.request(
            "POST", f"/internal/conversations/{_segment(conversation_id)}/draft/continue"
        )

    async def restart_draft(self, conversation_id: str) -> Reply:
        return await self.request(
            "POST", f"/internal/conversations/{_segment(conversation_id)}/draft/restart"
        )

    async def save_draft_answers(self, conversation_id: str, draft_id: str, answers: dict[str, Any]) -> Reply:
        return await self.request(
            "PUT",
            f"/internal/conversations/{_segment(conversation_id)}/draft/answers",
            json={"draft_id": draft_id, "answers": answers},
        )

    async def submit_application(self, payload: dict[str, Any]) -> Reply:
        return await self.request("POST", "/internal/applications", json=payload)

    async def status(self, conversation_id: str) -> Reply:
        return await self.request("GET", f"/internal/conversations/{_segment(conversation_id)}/status")

    async def set_language(self, conversation_id: str, language: str) -> Reply:
        return await self.request(
            "POST",
            f"/internal/conversations/{_segment(conversation_id)}/language",
            json={"language": language},
        )

    async def leave_message(self, conversation_id: str, text: str) -> Reply:
        return await self.request(
            "POST",
            f"/internal/conversations/{_segment(conversation_id)}/citizen-messages",
            json={"text": text},
        )

    async def messages(self, conversation_id: str) -> Reply:
        return await self.request("GET", f"/internal/conversations/{_segment(conversation_id)}/messages")

    async def request_person(self, conversation_id: str) -> Reply:
        return await self.request("POST", f"/internal/conversations/{_segment(conversation_id)}/handoff")

    async def contact(self, conversation_id: str) -> Reply:
        return await self.request("GET", f"/internal/conversations/{_segment(conversation_id)}/contact")

    async def change_contact(self, conversation_id: str, change: dict[str, Any]) -> Reply:
        return await self.request(
            "POST", f"/internal/conversations/{_segment(conversation_id)}/contact", json=change
        )

    async def logout(self, conversation_id: str) -> Reply:
        return await self.request("POST", f"/internal/conversations/{_segment(conversation_id)}/logout")


def _segment(value: str) -> str:
    """A conversation id as one URL path segment (never lets it reach another route)."""
    return quote(value, safe="")


def _route(path: str) -> str:
    """The path without the conversation id, for logs."""
    parts = path.split("/")
    return "/".join("{cid}" if i == 3 and parts[2] == "conversations" else p for i, p in enumerate(parts))
