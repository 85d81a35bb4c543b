import pytest

from backend.nlg import LANGUAGES, render_response, translate
from backend.nlg.formatting import MISSING
from backend.nlg.render import PLACEHOLDER, placeholders
from backend.nlg.responses import RESPONSES
from tests.backend.nlg.samples import SAMPLE_ARGUMENTS

ALL = [(name, language) for name in RESPONSES for language in LANGUAGES]
ARCHITECTURE_NAMES = """
utter_greet utter_goodbye utter_thank utter_help utter_eligibility utter_documents utter_processing_time
utter_private_landlord_info utter_bot_challenge utter_out_of_scope utter_default utter_offer_caseworker
utter_ask_language utter_language_changed utter_backend_unavailable utter_login_required utter_cancelled
utter_draft_intro utter_draft_tenant utter_draft_dwelling utter_draft_household utter_ask_dwelling_confirmed
utter_ask_dwelling_correction utter_ask_household_confirmed utter_ask_household_correction
utter_correction_noted utter_ask_phone_known utter_ask_phone utter_invalid_phone utter_summary
utter_ask_submit_confirmed utter_receipt utter_application_not_sent utter_referral_private_landlord
utter_referral_no_tenancy utter_already_applied utter_status utter_status_decided utter_no_application
utter_ask_caseworker_message utter_caseworker_message_sent
utter_secure_message utter_no_messages utter_logged_out utter_contact_current utter_ask_contact_detail
utter_contact_invalid utter_contact_changed utter_handoff_queued utter_handoff_closed
utter_contact_channel_sms utter_contact_channel_email utter_contact_channel_telegram utter_contact_channel_missing
""".split()


def test_every_response_name_of_the_contract_is_registered() -> None:
    assert set(ARCHITECTURE_NAMES) <= set(RESPONSES)


@pytest.mark.parametrize(("name", "language"), ALL)
def test_every_response_renders_in_every_language_without_leftover_placeholders(
    name: str, language: str
) -> None:
    message = render_response(name, language, SAMPLE_ARGUMENTS, "web")
    assert message.text.strip()
    assert not PLACEHOLDER.search(message.text)
    assert MISSING not in message.text
    assert message.text != RESPONSES[name].text  # translated, not the English source
    for button in message.buttons:
        assert button.title.strip() and button.payload.strip()


def test_the_samples_cover_every_placeholder_of_every_response() -> None:
    used = set().union(*(placeholders(response.text) for response in RESPONSES.values()))
    assert used <= set(SAMPLE_ARGUMENTS)


def test_the_draft_dwelling_shows_every_item_of_seed_000_formatted_for_danish() -> None:
    text = render_response("utter_draft_dwelling", "da", SAMPLE_ARGUMENTS).text
    assert text.splitlines() == [
        "Bolig",
        "Adresse: Aqqusinersuaq 12, 2. th., 3900 Nuuk",
        "Antal rum: 3",
        "Husleje pr. måned: 6.450,00\xa0kr.",
        "Udlejer: INI A/S",
        "Indflytningsdato: 1. marts 2019",
        "Lejernummer: INI-104233",
    ]


def test_the_receipt_has_the_meaning_of_seed_000_with_reference_and_time() -> None:
    text = render_response("utter_receipt", "da", SAMPLE_ARGUMENTS).text
    assert text.startswith(
        "Ansøgning sendt. Du har ansøgt om boligsikring. Du får svar fra kommunen, når ansøgningen er blevet behandlet."
    )
    assert "BS-2026-000123" in text
    assert "23. november 2026 12.07" in text


def test_the_household_shows_names_only() -> None:
    text = render_response("utter_draft_household", "sv", SAMPLE_ARGUMENTS).text
    assert text == "Hushåll\nAviaja Lyberth, Hans Lyberth och Ivalo Lyberth"


def test_yes_no_questions_have_affirm_and_deny_buttons() -> None:
    for name in ("utter_ask_dwelling_confirmed", "utter_ask_household_confirmed", "utter_ask_phone_known"):
        buttons = render_response(name, "kl", SAMPLE_ARGUMENTS).buttons
        assert [(b.title, b.payload) for b in buttons] == [("Aap", "/affirm"), ("Naamik", "/deny")]


def test_the_submit_question_offers_send_and_stop() -> None:
    buttons = render_response("utter_ask_submit_confirmed", "da", {}).buttons
    assert [(b.title, b.payload) for b in buttons] == [("Send ansøgning", "/affirm"), ("Stop", "/cancel")]


def test_the_language_buttons_name_each_language_in_itself() -> None:
    buttons = render_response("utter_ask_language", "sv", {}).buttons
    assert [(b.title, b.payload) for b in buttons] == [
        ("Kalaallisut", '/choose_language{"language":"kl"}'),
        ("Dansk", '/choose_language{"language":"da"}'),
        ("Svenska", '/choose_language{"language":"sv"}'),
    ]


def test_help_and_fallback_offer_the_main_intents() -> None:
    help_payloads = [b.payload for b in render_response("utter_help", "da", {}).buttons]
    assert help_payloads == [
        "/apply_housing_benefit",
        "/check_status",
        "/read_messages",
        "/ask_eligibility",
        "/ask_documents",
    ]
    default_payloads = [b.payload for b in render_response("utter_default", "da", {}).buttons]
    assert "/talk_to_human" in default_payloads and "/apply_housing_benefit" in default_payloads


def test_the_login_button_opens_the_login_url() -> None:
    message = render_response(
        "utter_login_required", "da", {"login_url": "http://127.0.0.1:8000/login?x=1"}, "web"
    )
    assert [(b.title, b.payload) for b in message.buttons] == [("Log ind", "http://127.0.0.1:8000/login?x=1")]
    assert "http://" not in message.text


def test_on_sms_the_login_address_is_written_in_the_text() -> None:
    message = render_response(
        "utter_login_required", "da", {"login_url": "http://127.0.0.1:8000/login?x=1"}, "sms"
    )
    assert message.text.endswith("\nhttp://127.0.0.1:8000/login?x=1")


def test_a_login_button_without_its_address_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    message = render_response("utter_login_required", "kl", {}, "web")
    assert message.text and message.buttons == []
    assert "login_url" in caplog.text


def test_a_missing_argument_renders_a_placeholder_instead_of_failing() -> None:
    text = render_response("utter_receipt", "sv", {"reference": "BS-1"}).text
    assert "Referensnummer: BS-1" in text
    assert f"Skickad: {MISSING}" in text


def test_an_unknown_response_renders_the_generic_error_in_the_language(
    caplog: pytest.LogCaptureFixture,
) -> None:
    message = render_response("utter_does_not_exist", "sv", {})
    assert message.text == "Tyvärr gick något fel. Försök igen."
    assert "utter_does_not_exist" in caplog.text


def test_an_unsupported_language_falls_back_to_greenlandic() -> None:
    assert render_response("utter_ask_submit_confirmed", "en", {}).buttons[0].title == "Qinnuteqaat nassiuguk"


def test_the_language_change_is_confirmed_in_the_new_language() -> None:
    assert "dansk" in render_response("utter_language_changed", "da", {}).text
    assert "svenska" in render_response("utter_language_changed", "sv", {}).text
    assert "kalaallisut" in render_response("utter_language_changed", "kl", {}).text


def test_translate_formats_arguments_of_any_marked_text() -> None:
    text = translate(
        "da",
        "You have a new message from the municipality about housing benefit. Log in to read it: {login_url}",
        login_url="https://x.gl/login",
    )
    assert (
        text
        == "Du har en ny besked fra kommunen om boligsikring. Log ind for at læse den: https://x.gl/login"
    )


def test_translate_ignores_format_syntax_beyond_plain_names() -> None:
    assert translate("da", "{x.__class__} {y!r} {z:>10}", x=1, y=2, z=3) == "{x.__class__} {y!r} {z:>10}"


def test_arguments_may_be_called_language_or_msgid() -> None:
    assert (
        translate("da", "Household\n{household_list}", language="sv", msgid="x", household_list=["A"])
        == "Husstand\nA"
    )
