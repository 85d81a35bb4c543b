"""Which client sends each channel.

A provider is *configured* when its credentials are set: Twilio needs the account SID, the auth token
and the sender number; Telegram the bot token; e-mail the SMTP host.

Production: the real client whenever its provider is configured; otherwise a client whose every send
fails permanently ("<channel> provider not configured": visible in the outbox, never dropped).

Development (`make run`, whose credentials are harmless defaults): the development sink, unless the
provider is configured *and* pointed somewhere explicitly: the real Twilio client only when
`TWILIO_API_BASE` is set, the real Telegram client only when `TELEGRAM_API_BASE` is set (the test
suite's local fakes), the SMTP client whenever `SMTP_HOST` is set.
"""

from __future__ import annotations

from backend.clients.base import Outgoing, PermanentFailure, ProviderClient
from backend.clients.dev_sink import DevSinkClient
from backend.config import Settings


class UnconfiguredClient:
    """Production without credentials for `channel`: every send fails permanently."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    async def send(self, message: Outgoing) -> str:
        raise PermanentFailure(f"{self.channel} provider not configured")

    async def close(self) -> None:
        return None


def build_clients(settings: Settings) -> dict[str, ProviderClient]:
    """One client per channel ("sms", "telegram", "email"), chosen by the rule above."""
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
