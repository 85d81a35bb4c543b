"""Resumable drafts end to end: an application started on one browser (or while a phone was bound)
is continued after a new login elsewhere, from the first unanswered question, and stored once."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scripts.stack import Stack
from tests.conftest import Citizen, Providers, applications_of, backend_rows, inissiaq, texts
from tests.e2e.test_phone_channels import LINK, Phone, log_in_through, wait_for
from tests.e2e.test_web_conversations import payloads, rendered, start_logged_in

pytestmark = pytest.mark.e2e

EMMA = "1407943816"  # da, Iserit A/S tenant with a phone in the register; used only here
PILU = "1701913472"  # kl, INI A/S tenant, +299 29 99 00 in the register; used only here


def drafts_of(stack: Stack, cpr: str) -> list[dict[str, Any]]:
    return [d for d in json.loads(inissiaq(stack, "drafts", "list", "--json")) if d["cpr"] == cpr]


def draft_ids(stack: Stack, cpr: str) -> list[str]:
    return [row["id"] for row in backend_rows(stack, "SELECT id FROM drafts WHERE person_cpr = $1", cpr)]


def application_draft_id(stack: Stack, cpr: str) -> str:
    [row] = backend_rows(stack, "SELECT draft_id FROM applications WHERE person_cpr = $1", cpr)
    return str(row["draft_id"])


def test_a_draft_answered_on_the_web_continues_on_a_new_browser_after_logging_in_again(stack: Stack) -> None:
    first = Citizen(stack)
    try:
        shown = texts(start_logged_in(first, EMMA, "Jeg vil gerne søge om boligsikring", "da"))
        assert "Emma Lund" in shown and rendered("utter_ask_dwelling_confirmed", "da") in shown
        assert rendered("utter_ask_household_confirmed", "da") in texts(first.say("ja"))  # dwelling right
        [saved] = drafts_of(stack, EMMA)
        assert saved["last_step"] == "dwelling_confirmed" and saved["reference"].startswith("KL-")
        [draft_id] = draft_ids(stack, EMMA)
        assert first.client.post("/auth/logout", json={}).status_code == 200
    finally:
        first.close()

    second = Citizen(stack)  # another browser: its own cookie jar, a new conversation
    try:
        offer = start_logged_in(second, EMMA, "Jeg vil søge boligsikring", "da")
        assert rendered("utter_draft_resume_offer", "da", started_date=saved["started_on"]) in texts(offer)
        assert {"/affirm", "/deny"} <= set(payloads(offer))
        resumed = texts(second.say("/affirm"))  # "Fortsæt"
        assert rendered("utter_draft_continued", "da", started_date=saved["started_on"]) in resumed
        assert rendered("utter_ask_household_confirmed", "da") in resumed
        assert rendered("utter_ask_dwelling_confirmed", "da") not in resumed  # answered before
        assert "Liv Lund" in resumed  # the household, shown again before its question
        assert "Kissarneqqortuunnguaq" not in resumed  # not the dwelling, already confirmed
        assert "+45 21 43 65 87" in texts(second.say("ja"))  # household right; the register's phone
        summary = second.say("ja")  # the phone is right
        assert "/affirm" in payloads(summary)
        receipt = texts(second.say("/affirm"))
    finally:
        second.close()

    [application] = applications_of(stack, EMMA)
    assert application["reference"] in receipt
    assert application["confirmations"] == {"dwelling": True, "household": True}
    assert application["phone"] == "+4521436587"
    assert application_draft_id(stack, EMMA) == draft_id  # the draft started on the first browser
    assert drafts_of(stack, EMMA) == []  # sent: no longer a draft


def test_a_draft_answered_by_sms_continues_after_the_binding_ended_and_was_renewed(
    stack: Stack, providers: Providers
) -> None:
    phone = Phone(stack, providers, "+299299911")
    (link,) = LINK.findall(phone.say("Boligsikringimik qinnuteqarusuppunga"))
    seen = len(phone.received())
    log_in_through(link, PILU)
    shown = "\n".join(wait_for(phone.received, seen, settled=phone.settled))
    assert "Pilu Jeremiassen" in shown and rendered("utter_ask_dwelling_confirmed", "kl") in shown
    assert rendered("utter_ask_household_confirmed", "kl") in phone.say("aap")  # dwelling right
    [saved] = drafts_of(stack, PILU)
    assert saved["last_step"] == "dwelling_confirmed"
    [draft_id] = draft_ids(stack, PILU)

    # The binding ends (the product's own unbind, as when its hours run out); the citizen answers on.
    assert "1 conversation(s) unbound" in inissiaq(
        stack, "unbind-phone", "--phone", phone.number, "--by", "e2e"
    )
    again = phone.say("aap")
    (new_link,) = LINK.findall(again)
    assert new_link != link
    assert "29 99 00" not in again  # the register's phone number is not shown to an unbound phone
    [still] = drafts_of(stack, PILU)
    assert still["last_step"] == "dwelling_confirmed"  # the answer given without a login was not kept

    seen = len(phone.received())
    log_in_through(new_link, PILU)
    offer = "\n".join(wait_for(phone.received, seen, settled=phone.settled))
    assert rendered("utter_draft_resume_offer", "kl", started_date=saved["started_on"]) in offer
    resumed = phone.say("1")  # the first numbered option: "Ingerlaqqigit" (continue)
    assert rendered("utter_ask_household_confirmed", "kl") in resumed
    assert rendered("utter_ask_dwelling_confirmed", "kl") not in resumed
    assert "Aviaaja Jeremiassen" in resumed and "Eqalunnguit" not in resumed
    assert "29 99 00" in phone.say("aap")  # household right; now the register's phone is asked about
    phone.say("aap")  # the phone is right
    receipt = phone.say("1")  # "Qinnuteqaat nassiuguk"

    [application] = applications_of(stack, PILU)
    assert application["reference"] in receipt
    assert application["channel"] == "sms" and application["phone"] == "+299299900"
    assert application["confirmations"] == {"dwelling": True, "household": True}
    assert application_draft_id(stack, PILU) == draft_id
    assert drafts_of(stack, PILU) == []
