"""Issue 4 end to end: from Aviaja's application in the chat to the caseworker's take-over.

Aviaja submits in the chat → routed to caseworker1 (birthdays 01.05–09.09 cover 07.08) →
`inissiaq digest --now` e-mails caseworker1 through the outbox to the SMTP server on loopback →
caseworker1 writes a secure message → Aviaja gets one neutral SMS (fake Twilio) → she asks the bot
for her messages, reads it and replies → caseworker1 sees the read time and the reply → journals the
message and takes the application over → the JSON and PDF exports hold the journaled message →
Aviaja asks for her status and hears that it was taken over.

Then the live handoff: a citizen asks for a person in opening hours, a caseworker takes the
conversation, the bot stays silent while the caseworker owns it, and answers again once handed back.

Aviaja is also the citizen of the Greenlandic application test in test_web_conversations.py; one
citizen applies once a month, so this test uses her application when it exists and makes it
otherwise (through the same chat).
"""

from __future__ import annotations

import io
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from pypdf import PdfReader

from backend.channels.texts import CASEWORKER_HAS_CONVERSATION
from backend.nlg import translate
from backend.nlg.formatting import format_argument
from backend.nlg.render import render_response
from backend.scheduler import is_office_holiday
from scripts.stack import Stack
from tests.conftest import (
    DEV_PASSWORD,
    Citizen,
    Providers,
    applications_of,
    fresh_totp,
    inissiaq,
    texts,
    until,
)

pytestmark = pytest.mark.e2e

AVIAJA, AVIAJA_PHONE = "0708861234", "+299551234"
JENS = "0904561357"  # INI A/S tenant, used only here
HANSIGNE = "2708732816"  # INI A/S tenant, used only here
PERSONAL = ("Aviaja", "Lyberth", "0708861234", "070886", "Aqqusinersuaq")


def rendered(name: str, language: str, **arguments: object) -> str:
    return render_response(name, language, arguments, "gateway").text


class Caseworker:
    """The inbox's JSON API with a caseworker session (password + TOTP), as a case system would use it."""

    def __init__(self, stack: Stack, username: str) -> None:
        self.client = httpx.Client(base_url=stack.backend_url, timeout=30)
        response = self.client.post(
            "/api/caseworker/login",
            json={"username": username, "password": DEV_PASSWORD, "totp": fresh_totp(username)},
        )
        assert response.status_code == 200, response.text
        self.id = response.json()["caseworker"]["id"]
        self.client.headers["X-CSRF-Token"] = response.json()["csrf_token"]

    def get(self, path: str, **params: str) -> Any:
        response = self.client.get(f"/api/caseworker{path}", params=params)
        assert response.status_code == 200, response.text
        return response.json() if "json" in response.headers["content-type"] else response.content

    def post(self, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
        response = self.client.post(f"/api/caseworker{path}", json=body or {})
        assert response.status_code == status, response.text
        return response.json()

    def close(self) -> None:
        self.client.close()


def aviajas_application(citizen: Citizen) -> dict[str, Any]:
    """Her application of this month: the one she already sent, or one sent now in Greenlandic."""
    existing = applications_of(citizen.stack, AVIAJA)
    if not existing:
        citizen.say("Boligsikringimik qinnuteqarusuppunga")
        citizen.login(AVIAJA)
        citizen.resume()
        for _ in range(3):
            citizen.say("aap")
        citizen.say("/affirm")
        existing = applications_of(citizen.stack, AVIAJA)
    else:
        citizen.login(AVIAJA)
    [application] = existing
    return application


def test_aviajas_application_from_digest_to_secure_messages_to_take_over(
    stack: Stack, providers: Providers, citizen: Citizen
) -> None:
    citizen.language = "kl"
    application = aviajas_application(citizen)
    reference = application["reference"]
    caseworker1 = Caseworker(stack, "caseworker1")
    try:
        # Routed by her birthday (07.08) to caseworker1's range 01.05–09.09.
        mine = caseworker1.get("/applications", filter="mine")["applications"]
        assert reference in [a["reference"] for a in mine]
        assert (
            next(a for a in mine if a["reference"] == reference)["assigned_caseworker_id"] == caseworker1.id
        )

        # The digest: one e-mail to the designated caseworker, the count and a link, nothing personal.
        mails_before = len(providers.smtp.to("caseworker1@kommune.example.gl"))
        printed = inissiaq(stack, "digest", "--now")
        assert printed.strip() == "1 e-mail(s) sent"
        [mail] = until(
            lambda: providers.smtp.to("caseworker1@kommune.example.gl")[mails_before:],
            what="the digest e-mail",
        )
        body = mail.get_body(("plain",)).get_content()
        assert f"{stack.backend_url}/inbox" in body
        assert not [word for word in PERSONAL if word in body]
        assert providers.smtp.to("caseworker2@kommune.example.gl") == []  # not designated

        # A secure message: one neutral SMS, with no name, no CPR and no message text.
        sms_before = len(providers.twilio.sent_to(AVIAJA_PHONE))
        text = "Aviaja, nassiussigit lejekontrakt-ip assinga. / Send venligst en kopi af lejekontrakten."
        sent = caseworker1.post("/messages", {"application_reference": reference, "text": text}, status=201)
        [notice] = until(
            lambda: providers.twilio.sent_to(AVIAJA_PHONE)[sms_before:], what="the neutral notification SMS"
        )
        assert not [word for word in (*PERSONAL, "lejekontrakt", text) if word in notice]
        assert stack.backend_url in notice  # where to log in
        time.sleep(2)  # a second notification would be in the outbox by now
        assert len(providers.twilio.sent_to(AVIAJA_PHONE)) == sms_before + 1

        # Unread until she reads it in the chat.
        [before] = [m for m in caseworker1.get("/messages", cpr=AVIAJA)["messages"] if m["id"] == sent["id"]]
        assert before["read_at"] is None
        shown = texts(citizen.say("allakkanik nutaaqarpunga?"))
        assert text in shown
        asked = texts(citizen.say("kommunimut allagusuppunga"))
        assert rendered("utter_ask_caseworker_message", "kl") in asked
        reply = "Qujanaq, aqagu nassiutissavara."
        citizen.say(reply)

        messages = caseworker1.get("/messages", cpr=AVIAJA)["messages"]
        [read] = [m for m in messages if m["id"] == sent["id"]]
        assert read["read_at"] is not None
        assert [m["text"] for m in messages if m["from"] == "citizen"][-1] == reply

        # Journal, take over, export.
        assert caseworker1.post(f"/messages/{sent['id']}/journal")["journaled"] is True
        taken = caseworker1.post(f"/applications/{reference}/take-over")
        assert taken["status"] == "taken_over" and taken["taken_over_by"] == "caseworker1"
        exported = caseworker1.get(f"/applications/{reference}/export.json")
        assert text in [m["text"] for m in exported["journaled_messages"]]
        pdf = PdfReader(io.BytesIO(caseworker1.get(f"/applications/{reference}/export.pdf")))
        pdf_text = " ".join(" ".join((page.extract_text() or "") for page in pdf.pages).split())
        assert "nassiussigit lejekontrakt-ip assinga" in pdf_text

        # The citizen hears it was taken over.
        status = texts(citizen.say("qinnuteqaatiga qanoq ippa?"))
        assert format_argument("status", "taken_over", "kl") in status
    finally:
        caseworker1.close()


def test_while_a_caseworker_owns_the_conversation_the_bot_stays_silent(
    stack: Stack, citizen: Citizen
) -> None:
    citizen.language = "da"
    citizen.say("Hej")
    citizen.login(JENS)
    answer = texts(citizen.say("Jeg vil gerne tale med en sagsbehandler"))
    if is_office_holiday(datetime.now(ZoneInfo("America/Nuuk")).date()):
        # The stack is open every day but holidays: today the citizen is offered a written message.
        assert rendered("utter_handoff_closed", "da") in answer
        assert rendered("utter_ask_caseworker_message", "da") in answer
        return
    assert rendered("utter_handoff_queued", "da") in answer
    caseworker1, caseworker2 = Caseworker(stack, "caseworker1"), Caseworker(stack, "caseworker2")
    try:
        waiting = [c for c in caseworker2.get("/live")["conversations"] if c["owner"] == "waiting"]
        [cid] = [c["conversation_id"] for c in waiting if c["authenticated"] and c["channel"] == "web"]
        # Two caseworkers take it at once: exactly one wins.
        with ThreadPoolExecutor(2) as pool:
            takes = list(
                pool.map(
                    lambda cw: cw.client.post(f"/api/caseworker/live/{cid}/take"), (caseworker1, caseworker2)
                )
            )
        assert sorted(r.status_code for r in takes) == [200, 409]
        owner = caseworker1 if takes[0].status_code == 200 else caseworker2

        # The citizen writes: the bot does not answer, the caseworker reads it and answers.
        held = texts(citizen.say("Hvem kan få boligsikring?"))
        assert held == translate("da", CASEWORKER_HAS_CONVERSATION)
        assert "Hvem kan få boligsikring?" in str(owner.get(f"/live/{cid}"))
        owner.post(f"/live/{cid}/messages", {"text": "Hej Jens, jeg kigger på det nu."}, status=201)
        owner.post(f"/live/{cid}/close")

        # Handed back: the bot answers the same question again.
        assert rendered("utter_eligibility", "da") in texts(citizen.say("Hvem kan få boligsikring?"))
    finally:
        caseworker1.close()
        caseworker2.close()


def test_the_citizen_changes_where_notifications_go_and_it_shows_as_changed_by_her(
    stack: Stack, citizen: Citizen
) -> None:
    citizen.language = "da"
    asked = texts(citizen.say("Jeg vil gerne ændre min e-mail til beskeder"))
    assert rendered("utter_login_required", "da", login_url=f"{stack.backend_url}/auth/login") in asked
    citizen.login(HANSIGNE)
    shown = texts(citizen.resume())  # the intent waits for the login, then continues
    assert "+299 89 12 34" not in shown  # no application yet: no number known for notifications
    assert rendered("utter_ask_contact_detail", "da") in shown
    assert rendered("utter_contact_invalid", "da") in texts(citizen.say("det ved jeg ikke"))
    done = texts(citizen.say("hansigne.zeeb@example.gl"))
    assert rendered("utter_contact_changed", "da", contact="hansigne.zeeb@example.gl") in done

    cid = citizen.client.post("/api/chat/messages", json={"text": "tak", "language": "da"}).json()[
        "conversation_id"
    ]
    contact = httpx.get(
        f"{stack.backend_url}/internal/conversations/{cid}/contact",
        headers={"Authorization": f"Bearer {stack.internal_secret}"},
        timeout=10,
    ).json()["contact"]
    assert contact["email"] == "hansigne.zeeb@example.gl" and contact["changed_by"] == "citizen"
    assert contact["channels"][0] == "email"

    # Then she chooses the channel alone (the buttons' payloads): Telegram is refused, as there is
    # no Telegram chat of hers; e-mail, which she just gave, is accepted.
    asked_again = citizen.say("Jeg vil gerne ændre min e-mail til beskeder")
    assert rendered("utter_ask_contact_detail", "da") in texts(asked_again)
    buttons = [b["payload"] for m in asked_again for b in (m.get("buttons") or [])]
    assert {"sms", "e-mail", "telegram"} <= set(buttons)
    refused = texts(citizen.say("telegram"))
    assert rendered("utter_contact_channel_missing", "da") in refused
    assert rendered("utter_ask_contact_detail", "da") in refused  # and asks again
    assert rendered("utter_contact_channel_email", "da") in texts(citizen.say("e-mail"))
