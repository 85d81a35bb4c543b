"""aiosmtplib, through SmtpClient, against an aiosmtpd server on the loopback interface."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from backend.clients.base import Outgoing, PermanentFailure, TemporaryFailure
from backend.clients.smtp import SmtpClient
from backend.config import Settings
from tests.fakes.server import free_port

SENDER = "Boligsikring <boligsikring@kommune.example.gl>"


class Recorder:
    """Accepts mail and records the envelopes; some local parts provoke SMTP errors."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.startswith("nobody@"):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if address.startswith("busy@"):
            return f"450 4.2.1 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if any(r.startswith("spam@") for r in envelope.rcpt_tos):
            return "554 5.7.1 Message rejected as spam"
        if any(r.startswith("later@") for r in envelope.rcpt_tos):
            return "451 4.3.0 Temporary local problem"
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Recorder]]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, recorder
    controller.stop()


def client_for(port: int) -> SmtpClient:
    return SmtpClient(Settings(mode="development", smtp_host="127.0.0.1", smtp_port=port, mail_from=SENDER))


def email(to: str = "borger@example.gl", html: str | None = "<p>Ny <b>besked</b></p>") -> Outgoing:
    return Outgoing(channel="email", to=to, text="Ny besked", subject="Besked fra kommunen", html=html)


def received(recorder: Recorder) -> EmailMessage:
    (envelope,) = recorder.envelopes
    parsed = message_from_bytes(envelope.content, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


async def test_sends_plain_text_with_an_html_alternative(smtp_server) -> None:
    controller, recorder = smtp_server
    client = client_for(controller.port)
    message_id = await client.send(email())
    (envelope,) = recorder.envelopes
    assert envelope.mail_from == "boligsikring@kommune.example.gl"
    assert envelope.rcpt_tos == ["borger@example.gl"]
    mail = received(recorder)
    assert mail["Message-ID"] == message_id
    assert message_id.startswith("<") and message_id.endswith("@kommune.example.gl>")
    assert (mail["From"], mail["To"], mail["Subject"]) == (SENDER, "borger@example.gl", "Besked fra kommunen")
    assert mail.get_content_type() == "multipart/alternative"
    plain, html = mail.iter_parts()
    assert (plain.get_content_type(), plain.get_content().strip()) == ("text/plain", "Ny besked")
    assert (html.get_content_type(), html.get_content().strip()) == ("text/html", "<p>Ny <b>besked</b></p>")
    assert client.channel == "email"
    await client.close()


async def test_without_html_the_mail_is_plain_text(smtp_server) -> None:
    controller, recorder = smtp_server
    await client_for(controller.port).send(email(html=None))
    mail = received(recorder)
    assert mail.get_content_type() == "text/plain" and not mail.is_multipart()


async def test_every_message_gets_its_own_id(smtp_server) -> None:
    controller, _ = smtp_server
    client = client_for(controller.port)
    assert await client.send(email()) != await client.send(email())


async def test_a_refused_recipient_is_permanent_and_not_quoted(smtp_server) -> None:
    controller, recorder = smtp_server
    with pytest.raises(PermanentFailure, match="550") as failure:
        await client_for(controller.port).send(email(to="nobody@example.gl"))
    assert "nobody" not in failure.value.reason and recorder.envelopes == []


async def test_a_temporarily_refused_recipient_is_temporary(smtp_server) -> None:
    controller, _ = smtp_server
    with pytest.raises(TemporaryFailure, match="450"):
        await client_for(controller.port).send(email(to="busy@example.gl"))


@pytest.mark.parametrize(
    ("to", "expected"), [("spam@example.gl", PermanentFailure), ("later@example.gl", TemporaryFailure)]
)
async def test_answers_to_data_are_mapped_by_their_code(smtp_server, to, expected) -> None:
    controller, _ = smtp_server
    with pytest.raises(expected, match=r"smtp \d{3}"):
        await client_for(controller.port).send(email(to=to))


async def test_a_stopped_server_is_temporary() -> None:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    client = client_for(controller.port)
    await client.send(email())
    controller.stop()
    with pytest.raises(TemporaryFailure):
        await client.send(email())
    assert len(recorder.envelopes) == 1


async def test_an_unbuildable_message_is_permanent() -> None:
    with pytest.raises(PermanentFailure, match="cannot be built"):
        await client_for(free_port()).send(email(to="a@example.gl\r\nBcc: b@example.gl"))
