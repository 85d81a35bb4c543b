import pytest

from backend.conversations import language
from backend.models.conversations import Conversation


def _conversation(lang: str | None = None, source: str | None = None) -> Conversation:
    return Conversation(id="c", channel="web", language=lang, language_source=source)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Boligsikringimik qinnuteqarusuppunga ilaqutariinnut", "kl"),
        ("Jeg vil gerne søge om boligsikring", "da"),
        ("Jag vill ansöka om bostadsbidrag", "sv"),
    ],
)
def test_three_words_or_more_are_detected(text: str, expected: str) -> None:
    assert language.detect_language(text) == expected


@pytest.mark.parametrize(
    "text", ["ja", "nej tak", "aap", "naamik", "japp", "ja ja ja", "12 34 56", "/affirm"]
)
def test_short_replies_and_payloads_are_never_detected(text: str) -> None:
    assert language.detect_language(text) is None


def test_a_payload_never_switches_even_when_it_has_many_words() -> None:
    conversation = _conversation()
    language.resolve(
        conversation, "/inform_phone mit nummer er 551234", language_hint=None, default_language="kl"
    )
    assert conversation.language_source is None


def test_the_first_long_message_is_detected_and_later_ones_do_not_switch() -> None:
    conversation = _conversation()
    assert language.resolve(conversation, "nej tak", language_hint=None, default_language="kl") == "kl"
    assert conversation.language is None
    language.resolve(
        conversation, "Jeg vil gerne søge om boligsikring", language_hint=None, default_language="kl"
    )
    language.resolve(
        conversation, "Jag vill ansöka om bostadsbidrag", language_hint=None, default_language="kl"
    )
    assert (conversation.language, conversation.language_source) == ("da", "detected")


def test_the_widget_wins_over_detection_and_the_register() -> None:
    conversation = _conversation("sv", "register")
    language.resolve(
        conversation, "Jeg vil gerne søge om boligsikring", language_hint="kl", default_language="da"
    )
    assert (conversation.language, conversation.language_source) == ("kl", "widget")


def test_an_explicit_choice_wins_over_everything_and_can_be_changed_again() -> None:
    conversation = _conversation("kl", "widget")
    language.resolve(
        conversation, '/choose_language{"language": "sv"}', language_hint="kl", default_language="kl"
    )
    assert (conversation.language, conversation.language_source) == ("sv", "explicit")
    language.resolve(
        conversation, "Jeg vil gerne søge om boligsikring", language_hint="da", default_language="kl"
    )
    assert conversation.language == "sv"
    language.resolve(
        conversation, '/choose_language{"language":"da"}', language_hint=None, default_language="kl"
    )
    assert conversation.language == "da"


@pytest.mark.parametrize(
    "payload",
    ['/choose_language{"language":"en"}', "/choose_language", '/choose_language{"language":', "/greet"],
)
def test_a_choice_of_an_unknown_language_changes_nothing(payload: str) -> None:
    assert language.chosen_language(payload) is None


def test_the_register_counts_only_when_nothing_better_is_known() -> None:
    unknown, detected = _conversation(), _conversation("da", "detected")
    language.apply_register(unknown, "sv")
    language.apply_register(detected, "sv")
    assert (unknown.language, unknown.language_source) == ("sv", "register")
    assert (detected.language, detected.language_source) == ("da", "detected")


def test_without_anything_known_the_default_language_answers() -> None:
    assert language.effective_language(_conversation(), "kl") == "kl"
    assert language.effective_language(_conversation("xx", "widget"), "da") == "da"
