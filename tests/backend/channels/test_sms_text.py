from backend.channels.sms_text import render, resolve_option, segments, split_parts
from backend.channels.types import BotMessage, Button


def test_danish_and_greenlandic_letters_are_gsm7() -> None:
    assert segments("æøå ÆØÅ " * 20) == 1  # 160 GSM-7 characters
    assert segments("æøå ÆØÅ " * 20 + "x") == 2


def test_characters_outside_gsm7_make_the_message_ucs2() -> None:
    assert segments("ï" * 70) == 1
    assert segments("ï" * 71) == 2
    assert segments("ï" * 134) == 2 and segments("ï" * 135) == 3


def test_extension_characters_count_twice() -> None:
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2


def test_buttons_become_numbered_options_and_links_stay_visible() -> None:
    message = BotMessage(
        "Er boligen rigtig?",
        [Button("Ja", "/affirm"), Button("Nej", "/deny"), Button("Log ind", "https://x/l/abc")],
    )
    assert render(message) == ["Er boligen rigtig?\n1. Ja\n2. Nej\nLog ind: https://x/l/abc"]


def test_the_citizen_may_answer_with_the_number_or_the_words() -> None:
    buttons = [Button("Ja", "/affirm"), Button("Nej", "/deny")]
    assert resolve_option("2", buttons) == "/deny"
    assert resolve_option(" ja ", buttons) == "/affirm"
    assert resolve_option("3", buttons) == "3"
    assert resolve_option("ja tak", buttons) == "ja tak"


def test_long_texts_are_split_at_sentence_ends_within_three_segments() -> None:
    sentence = "Boligsikring er et tilskud til huslejen for lejere i Grønland. "
    text = sentence * 20
    parts = split_parts(text)
    assert len(parts) > 1
    assert all(segments(part) <= 3 for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == text.strip()


def test_a_sentence_longer_than_three_segments_is_cut_between_words() -> None:
    text = " ".join(["ord"] * 300)
    parts = split_parts(text)
    assert all(segments(part) <= 3 for part in parts)
    assert " ".join(parts) == text


def test_numbered_options_never_arrive_alone_but_with_the_question_they_answer() -> None:
    question = "Er oplysningerne om boligen rigtige?"
    for filler in (20, 21, 22, 23, 24):  # the question lands at different places of the last part
        text = "Boligsikring er et tilskud til huslejen for lejere i Grønland. " * filler + question
        message = BotMessage(text, [Button("Ja", "/affirm"), Button("Nej", "/deny")])
        parts = render(message)
        assert all(segments(part) <= 3 for part in parts)
        assert parts[-1].endswith(f"{question}\n1. Ja\n2. Nej")
        assert " ".join(" ".join(parts).split()) == " ".join(f"{text}\n1. Ja\n2. Nej".split())
