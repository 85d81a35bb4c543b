"""Whole conversations on the web channel, through the real model, action server and backend.

Every test checks what was stored (with `inissiaq applications list --json`), not only the text,
and compares the texts with the catalog rendering of the expected response in the citizen's language.
"""

from __future__ import annotations

import pytest

from backend.nlg.render import render_response
from tests.conftest import Citizen, applications_of, texts

pytestmark = pytest.mark.e2e

AVIAJA, MALIK, KARIN, NIVI, PETER = "0708861234", "1502921235", "3003901238", "2304781236", "0112651237"


def rendered(name: str, language: str, **arguments: object) -> str:
    return render_response(name, language, arguments, "gateway").text


def payloads(messages: list[dict]) -> list[str]:
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])]


def start_logged_in(citizen: Citizen, cpr: str, first_words: str, language: str) -> list[dict]:
    """Ask to apply anonymously, get the login prompt, log in, and continue where we were."""
    reply = citizen.say(first_words)
    assert rendered(
        "utter_login_required", language, login_url=f"{citizen.stack.backend_url}/auth/login"
    ) in texts(reply)
    citizen.login(cpr)
    return citizen.resume()


def test_aviaja_applies_in_greenlandic_from_start_to_receipt(citizen: Citizen) -> None:
    draft = start_logged_in(citizen, AVIAJA, "Boligsikringimik qinnuteqarusuppunga", "kl")
    shown = texts(draft)
    assert "Aviaja Lyberth" in shown and "070886-xxxx" in shown
    assert "Aqqusinersuaq 12, 2. th., 3900 Nuuk" in shown and "INI-104233" in shown
    assert "Hans Lyberth" in shown and "Ivalo Lyberth" in shown
    assert "0708861234" not in shown  # never the full CPR number
    assert rendered("utter_ask_dwelling_confirmed", "kl") in shown

    assert rendered("utter_ask_household_confirmed", "kl") in texts(citizen.say("aap"))
    assert "55 12 34" in texts(citizen.say("aap"))  # the phone number from the register, to confirm
    summary = citizen.say("aap")
    assert "/affirm" in payloads(summary)
    receipt = citizen.say("/affirm")

    [application] = applications_of(citizen.stack, AVIAJA)
    assert application["status"] == "submitted"
    assert application["language"] == "kl" and application["channel"] == "web"
    assert application["phone"] == "+299551234"
    assert application["confirmations"] == {"dwelling": True, "household": True}
    assert application["corrections"] == []
    assert application["reference"] in texts(receipt)
    assert rendered(
        "utter_receipt",
        "kl",
        reference=application["reference"],
        submitted_datetime=application["submitted_at"],
    ) in texts(receipt)


def test_malik_without_a_registered_phone_gives_an_invalid_then_a_valid_number(citizen: Citizen) -> None:
    start_logged_in(citizen, MALIK, "Jeg vil gerne søge om boligsikring", "da")
    citizen.say("ja")
    ask_phone = citizen.say("ja")
    assert rendered("utter_ask_phone", "da") in texts(ask_phone)
    assert rendered("utter_invalid_phone", "da") in texts(citizen.say("12"))
    assert applications_of(citizen.stack, MALIK) == []
    summary = citizen.say("mit nummer er 52 12 34")
    assert "/affirm" in payloads(summary)
    citizen.say("/affirm")
    [application] = applications_of(citizen.stack, MALIK)
    assert application["phone"] == "+299521234"
    assert application["language"] == "da"


def test_karin_says_the_rent_is_wrong_and_her_correction_is_recorded(citizen: Citizen) -> None:
    draft = start_logged_in(citizen, KARIN, "Jag vill ansöka om bostadsbidrag", "sv")
    assert "7\u00a0120,00" in texts(draft)  # CLDR sv: a no-break space groups the thousands
    assert rendered("utter_ask_dwelling_correction", "sv") in texts(citizen.say("nej"))
    noted = citizen.say("Hyran är fel, den är 7300 kr sedan oktober")
    assert rendered("utter_correction_noted", "sv") in texts(noted)
    citizen.say("ja")  # household is right
    citizen.say("ja")  # the registered phone is still right
    citizen.say("/affirm")
    [application] = applications_of(citizen.stack, KARIN)
    assert application["confirmations"] == {"dwelling": False, "household": True}
    assert application["corrections"] == [
        {"section": "dwelling", "text": "Hyran är fel, den är 7300 kr sedan oktober"}
    ]
    assert application["language"] == "sv"


@pytest.mark.parametrize(
    ("cpr", "words", "language", "response"),
    [
        (NIVI, "Boligsikringimik qinnuteqarusuppunga", "kl", "utter_referral_private_landlord"),
        (PETER, "Jeg vil søge boligsikring", "da", "utter_referral_no_tenancy"),
    ],
)
def test_citizens_without_an_ini_or_iserit_tenancy_are_referred_to_the_manual_form(
    citizen: Citizen, cpr: str, words: str, language: str, response: str
) -> None:
    reply = start_logged_in(citizen, cpr, words, language)
    assert rendered(
        response, language, manual_form_url="https://www.sullissivik.gl/Forms/Boligsikring"
    ) in texts(reply)
    assert "https://www.sullissivik.gl/Forms/Boligsikring" in texts(reply)
    assert applications_of(citizen.stack, cpr) == []


def test_a_second_application_for_the_same_month_is_not_created(stack, citizen: Citizen) -> None:  # type: ignore[no-untyped-def]
    mads = "2608992038"  # INI A/S tenant without a phone in the register
    first = Citizen(stack)
    try:
        start_logged_in(first, mads, "Jeg vil gerne søge om boligsikring", "da")
        first.say("ja")
        first.say("ja")
        first.say("+299 52 12 34")
        first.say("/affirm")
        first.say("/affirm")  # a double click on "send"
    finally:
        first.close()
    [application] = applications_of(stack, mads)

    again = start_logged_in(citizen, mads, "Jeg vil gerne søge om boligsikring igen", "da")
    assert application["reference"] in texts(again)
    assert len(applications_of(stack, mads)) == 1


def test_the_status_question_after_submitting_answers_from_the_backend(stack, citizen: Citizen) -> None:  # type: ignore[no-untyped-def]
    jakob = "1704602149"  # INI A/S tenant with a phone in the register
    start_logged_in(citizen, jakob, "Jeg vil gerne søge om boligsikring", "da")
    citizen.say("ja")
    citizen.say("ja")
    citizen.say("ja")
    citizen.say("/affirm")
    [application] = applications_of(stack, jakob)
    status = citizen.say("Hvad er status på min ansøgning?")
    assert application["reference"] in texts(status)
    answer = rendered(
        "utter_status",
        "da",
        reference=application["reference"],
        status=application["status"],
        timeline=[{"status": "submitted", "at": application["submitted_at"]}],
    )
    # Rasa's output channel sends each paragraph (split at a blank line) as a message of its own.
    assert "\n".join(answer.split("\n\n")) in texts(status)


def test_an_anonymous_status_question_asks_for_login_and_shows_no_data(citizen: Citizen) -> None:
    reply = citizen.say("Hvad er status på min ansøgning?")
    assert "BS-" not in texts(reply)
    assert "/auth/login" in texts(reply) + " ".join(payloads(reply))


def test_two_misunderstandings_in_a_row_offer_a_message_to_a_caseworker(citizen: Citizen) -> None:
    first = citizen.say("xqzv blorp wibble")
    assert rendered("utter_default", "kl") in texts(first) or rendered("utter_default", "da") in texts(first)
    assert "/apply_housing_benefit" in payloads(first)
    second = citizen.say("flurp zonk quix")
    assert any(rendered("utter_offer_caseworker", lang) in texts(second) for lang in ("kl", "da", "sv"))


def test_the_citizen_switches_language_and_the_assistant_answers_in_it(citizen: Citizen) -> None:
    citizen.say("Hej, jeg har et spørgsmål om boligsikring")
    switched = citizen.say("svenska")
    assert rendered("utter_language_changed", "sv") in texts(switched)
    answer = citizen.say("/ask_documents")
    assert rendered("utter_documents", "sv") in texts(answer)


def test_oversized_and_html_messages_get_a_clear_answer_and_nothing_breaks(citizen: Citizen) -> None:
    response = citizen.client.post("/api/chat/messages", json={"text": "a" * 2001})
    assert response.status_code in (200, 413, 400)
    assert response.json().get("messages") or response.json().get("error")
    reply = citizen.say("<script>alert(1)</script> hvad er boligsikring?")
    assert reply
    history = citizen.client.get("/api/chat/history").json()
    assert any("<script>alert(1)</script>" in (m.get("text") or "") for m in history["messages"])
