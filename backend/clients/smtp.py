"""E-mail over SMTP with aiosmtplib: a plain-text part and, when given, an HTML alternative."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.config import Settings

TIMEOUT_SECONDS = 15.0


def build_email(message: Outgoing, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


class SmtpClient:
    channel = "email"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, message: Outgoing) -> str:
        settings = self._settings
        email = build_email(message, settings.mail_from)
        try:
            await aiosmtplib.send(
                email,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password.reveal() or None,
                use_tls=settings.smtp_tls == "tls",
                start_tls=True if settings.smtp_tls == "starttls" else False,
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure("smtp: recipient refused") from error
        except aiosmtplib.SMTPResponseException as error:
            reason = f"smtp {error.code}"
            if 500 <= error.code < 600:
                raise PermanentFailure(reason) from error
            raise TemporaryFailure(reason) from error
        except (aiosmtplib.SMTPException, asyncio.TimeoutError, OSError) as error:
            raise TemporaryFailure(f"smtp: {type(error).__name__}") from error
        return str(email["Message-ID"])

    async def close(self) -> None:
        return None
