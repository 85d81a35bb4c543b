"""E-mail over SMTP with aiosmtplib: a plain-text part and, when given, an HTML alternative.

Errors: a 5xx answer (recipient unknown, message rejected, authentication failed) is permanent; a 4xx
answer, a dropped connection, a timeout or an unreachable server is temporary. Reasons carry the SMTP
code only (servers quote the address in their texts).
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

import aiosmtplib

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.config import Settings

TIMEOUT_SECONDS = 15.0


def build_email(message: Outgoing, sender: str) -> EmailMessage:
    """The MIME message: From, To, Subject, Date, a fresh Message-ID in the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or None
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to
    email["Subject"] = message.subject or ""
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = make_msgid(domain=domain)
    email.set_content(message.text)
    if message.html:
        email.add_alternative(message.html, subtype="html")
    return email


def _permanent(code: int) -> bool:
    return 500 <= code < 600


class SmtpClient:
    """Sends to the address in `Outgoing.to` through `SMTP_HOST`; returns the Message-ID."""

    channel = "email"

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def send(self, message: Outgoing) -> str:
        settings = self._settings
        try:
            email = build_email(message, settings.mail_from)
        except (ValueError, TypeError) as error:  # a newline in a header, an unusable address
            raise PermanentFailure(f"smtp: the message cannot be built ({type(error).__name__})") from error
        try:
            await aiosmtplib.send(
                email,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username or None,
                password=settings.smtp_password.reveal() or None,
                use_tls=settings.smtp_tls == "tls",
                start_tls=settings.smtp_tls == "starttls",
                timeout=TIMEOUT_SECONDS,
            )
        except aiosmtplib.SMTPRecipientsRefused as error:
            codes = [r.code for r in error.recipients]
            reason = f"smtp: recipient refused ({', '.join(map(str, codes))})"
            if codes and not all(_permanent(code) for code in codes):
                raise TemporaryFailure(reason) from error  # e.g. 450 mailbox busy, greylisting
            raise PermanentFailure(reason) from error
        except aiosmtplib.SMTPResponseException as error:
            reason = f"smtp {error.code}"
            if _permanent(error.code):
                raise PermanentFailure(reason) from error
            raise TemporaryFailure(reason) from error
        except (aiosmtplib.SMTPException, asyncio.TimeoutError, OSError) as error:
            raise TemporaryFailure(f"smtp: {type(error).__name__}") from error
        return str(email["Message-ID"])

    async def close(self) -> None:
        return None
