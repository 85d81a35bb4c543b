"""What the gateway hands back to a channel: plain text and buttons; each channel renders them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    @property
    def is_link(self) -> bool:
        """A button that opens an address (the login link) instead of sending a payload."""
        return self.payload.startswith(("https://", "http://", "/auth/"))


@dataclass(frozen=True)
class BotMessage:
    text: str
    buttons: list[Button] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
        }

    def buttons_json(self) -> list[dict[str, str]]:
        return [{"title": b.title, "payload": b.payload} for b in self.buttons]
