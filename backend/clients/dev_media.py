"""Development only: the phone simulator's files, fetched from the backend's stand-ins for the providers.

The simulator (`/dev/phone`, backend/channels/dev.py) keeps each file it sends and names it as the
provider would: a Twilio `MediaUrl` under `{PUBLIC_BASE_URL}/dev/twilio/2010-04-01/Accounts/…`, a Telegram
`file_id` starting with `dev-`. The stand-ins (backend/channels/dev_media.py) answer those the way
Twilio's media API and Telegram's getFile and file download do, so the same `TwilioMediaClient` and
`TelegramMediaClient` fetch them, with the same credentials and size limits. Every other reference goes
to the provider's client. `media_client` builds this only in development mode; in production a
stand-in address is "not a Twilio media address", a `dev-` file id is unknown to Telegram, and the
stand-ins answer 404.
"""

from __future__ import annotations

from typing import Any

from backend.clients.media import MediaClient, TelegramMediaClient, TwilioMediaClient
from backend.config import DEV_FILE_ID_PREFIX, DEV_TELEGRAM_STAND_IN, DEV_TWILIO_STAND_IN, Settings


def twilio_stand_in(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/") + DEV_TWILIO_STAND_IN


def telegram_stand_in(settings: Settings) -> str:
    return settings.public_base_url.rstrip("/") + DEV_TELEGRAM_STAND_IN


class DevelopmentMediaClient:
    """The simulator's references from the stand-ins, everything else from `provider`."""

    def __init__(self, settings: Settings, channel: str, provider: MediaClient) -> None:
        self._settings, self._channel, self._provider = settings, channel, provider

    def simulated(self, ref: dict[str, Any]) -> bool:
        if self._channel == "sms":
            return str(ref.get("url") or "").startswith(twilio_stand_in(self._settings) + "/")
        return str(ref.get("file_id") or "").startswith(DEV_FILE_ID_PREFIX)

    def _stand_in(self) -> MediaClient:
        if self._channel == "sms":
            base = twilio_stand_in(self._settings)
            return TwilioMediaClient(self._settings, origin=base, api_base=base)
        return TelegramMediaClient(self._settings, api_base=telegram_stand_in(self._settings))

    async def fetch(self, ref: dict[str, Any], *, max_bytes: int) -> bytes:
        client = self._stand_in() if self.simulated(ref) else self._provider
        return await client.fetch(ref, max_bytes=max_bytes)
