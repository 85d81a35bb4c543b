"""Documents by MMS and on Telegram from the development phone simulator, end to end on the stack of
`make run`: a caseworker asks for the lease; the citizen sends a PDF from `/dev/phone` (an MMS, then a
Telegram document). The simulator posts the provider's own webhook call (Twilio-signed form with
NumMedia/MediaUrl0, Telegram update with a document); the worker fetches the file from the providers'
development stand-ins, stores it for the person bound to the phone or chat, ties it to the open request
and answers with the receipt in the citizen's language. Replies are read where the simulator page
reads them, `GET /dev/outbox?to=…`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from backend.documents import texts as document_texts
from backend.nlg import translate
from scripts.stack import Stack
from tests.backend.documents.samples import pdf
from tests.conftest import Citizen, applications_of, backend_rows, until
from tests.e2e.test_phone_channels import LINK, log_in_through, turn_ended, wait_for
from tests.e2e.test_web_to_caseworker import Caseworker

pytestmark = pytest.mark.e2e

MARIA, MARIA_PHONE = "1912802927", "+299559951"  # Greenlandic (kl) INI A/S tenant; used only here
SARA, SARA_CHAT = "2201852472", "880151"  # Swedish (sv) Iserit A/S tenant; used only here
REQUEST = "Send venligst en kopi af din lejekontrakt."


def apply_in_the_chat(stack: Stack, cpr: str) -> str:
    """The citizen applies through the web chat (the register's data confirmed); the reference."""
    citizen = Citizen(stack, language="da")
    try:
        citizen.say("Jeg vil gerne søge om boligsikring")
        citizen.login(cpr)
        citizen.resume()
        for _ in range(3):  # dwelling, household, the registered phone
            citizen.say("ja")
        citizen.say("/affirm")
    finally:
        citizen.close()
    [application] = applications_of(stack, cpr)
    return application["reference"]


def ask_for_the_lease(stack: Stack, reference: str) -> int:
    caseworker = Caseworker(stack, "caseworker2")
    try:
        asked = caseworker.post(f"/applications/{reference}/document-requests", {"text": REQUEST}, status=201)
    finally:
        caseworker.close()
    return int(asked["id"])


class Simulator:
    """The development phone simulator, used as its page uses it."""

    def __init__(self, stack: Stack, channel: str, sender: str) -> None:
        self.client = httpx.Client(base_url=stack.backend_url, timeout=30)
        self.channel, self.sender = channel, sender
        self.turn_ended = turn_ended(stack, channel, sender)

    def send(self, text: str = "", file: tuple[str, bytes, str] | None = None) -> None:
        fields = {"channel": self.channel, "from": self.sender, "text": text}
        response = self.client.post("/dev/phone/send", data=fields, files={"file": file} if file else None)
        assert response.status_code == 200 and response.json()["status"] == 200, response.text

    def replies(self) -> list[str]:
        response = self.client.get("/dev/outbox", params={"to": self.sender})
        assert response.status_code == 200
        return [m["text"] for m in response.json()["messages"]]

    def close(self) -> None:
        self.client.close()


def attachments_of(stack: Stack, cpr: str) -> list[dict[str, Any]]:
    return backend_rows(
        stack,
        "SELECT filename, content_type, channel, request_id, application_reference, size "
        "FROM attachments WHERE person_cpr = $1 ORDER BY received_at",
        cpr,
    )


def send_after_binding(stack: Stack, simulator: Simulator, cpr: str, file: tuple[str, bytes, str]) -> str:
    """The citizen sends the file from a phone or chat not yet bound: the assistant asks for a login
    (nothing is fetched), the citizen logs in through the one-time link, then sends the file again;
    the assistant's reply to it."""
    seen = len(simulator.replies())
    simulator.send(file=file)
    asked = "\n".join(wait_for(simulator.replies, seen, settled=simulator.turn_ended))
    (link,) = LINK.findall(asked)
    assert attachments_of(stack, cpr) == []
    log_in_through(link, cpr)  # queues the continuation of the conversation in its channel
    until(simulator.turn_ended, timeout=90, what="the conversation's continuation after the login")
    seen = len(simulator.replies())
    simulator.send(file=file)
    return "\n".join(wait_for(simulator.replies, seen, settled=simulator.turn_ended, timeout=90))


def test_a_greenlandic_citizen_sends_the_requested_lease_by_mms_from_the_phone_simulator(
    stack: Stack,
) -> None:
    reference = apply_in_the_chat(stack, MARIA)
    request_id = ask_for_the_lease(stack, reference)
    lease = pdf(2, text="Lejekontrakt Maria Kristiansen")
    phone = Simulator(stack, "sms", MARIA_PHONE)
    try:
        receipt = send_after_binding(stack, phone, MARIA, ("lejekontrakt.pdf", lease, "application/pdf"))
    finally:
        phone.close()
    [stored] = attachments_of(stack, MARIA)
    assert stored["channel"] == "sms" and stored["content_type"] == "application/pdf"
    assert stored["size"] == len(lease)
    assert stored["request_id"] == request_id and stored["application_reference"] == reference
    assert translate("kl", document_texts.RECEIVED, filename=stored["filename"]) in receipt
    [request] = backend_rows(stack, "SELECT fulfilled_at FROM document_requests WHERE id = $1", request_id)
    assert request["fulfilled_at"] is not None


def test_a_swedish_citizen_sends_the_requested_lease_as_a_telegram_document_from_the_simulator(
    stack: Stack,
) -> None:
    reference = apply_in_the_chat(stack, SARA)
    request_id = ask_for_the_lease(stack, reference)
    lease = pdf(1, text="Hyreskontrakt Sara Bergström")
    chat = Simulator(stack, "telegram", SARA_CHAT)
    try:
        receipt = send_after_binding(stack, chat, SARA, ("hyreskontrakt.pdf", lease, "application/pdf"))
    finally:
        chat.close()
    [stored] = attachments_of(stack, SARA)
    assert stored["filename"] == "hyreskontrakt.pdf" and stored["channel"] == "telegram"
    assert stored["size"] == len(lease)
    assert stored["request_id"] == request_id and stored["application_reference"] == reference
    assert translate("sv", document_texts.RECEIVED, filename="hyreskontrakt.pdf") in receipt
