"""Which client sends each channel.

Production: the real client when the provider is configured (Twilio: account SID, auth token and
sender; Telegram: bot token; e-mail: SMTP host), otherwise a client that fails every send permanently
(visible in the outbox, never silently dropped). Development (`make run`): the development sink,
unless a provider is pointed somewhere explicitly: `TWILIO_API_BASE` / `TELEGRAM_API_BASE` (the test
suite's local fakes) or `SMTP_HOST`.
"""

from __future__ import annotations

from backend.clients.base import Outgoing, PermanentFailure, ProviderClient
from backend.clients.dev_sink import DevSinkClient
from backend.config import Settings


class UnconfiguredClient:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send(self, message: Outgoing) -> str:
        raise PermanentFailure(f"{self.channel} provider not configured")

    async def close(self) -> None:
        return None


def build_clients(settings: Settings) -> dict[str, ProviderClient]:
    sms_configured = bool(
        settings.twilio_account_sid and settings.twilio_auth_token.reveal() and settings.twilio_from_number
    )
    telegram_configured = bool(settings.telegram_bot_token.reveal())
    email_configured = bool(settings.smtp_host)
    if settings.development:
        sms_configured = sms_configured and bool(settings.twilio_api_base)
        telegram_configured = telegram_configured and bool(settings.telegram_api_base)
    clients: dict[str, ProviderClient] = {}
    fallback = DevSinkClient if settings.development else UnconfiguredClient
    if sms_configured:
        from backend.clients.twilio_sms import TwilioSmsClient

        clients["sms"] = TwilioSmsClient(settings)
    else:
        clients["sms"] = fallback("sms")
    if telegram_configured:
        from backend.clients.telegram import TelegramClient

        clients["telegram"] = TelegramClient(settings)
    else:
        clients["telegram"] = fallback("telegram")
    if email_configured:
        from backend.clients.smtp import SmtpClient

        clients["email"] = SmtpClient(settings)
    else:
        clients["email"] = fallback("email")
    return clients
