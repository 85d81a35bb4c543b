import pytest

from backend.applications.corrections import MAX_TEXT_CHARS, clean_corrections
from backend.errors import InvalidInput


def test_corrections_are_stored_as_given_apart_from_control_characters() -> None:
    raw = [
        {
            "section": "dwelling",
            "text": "  Huslejen er <b>7.300</b> kr.\x00\x07\u202e'; DROP TABLE x;--\r\nfra 1/1 ",
        },
        {"section": "household", "text": "Hans er flyttet\tud"},
    ]
    assert clean_corrections(raw) == [
        {"section": "dwelling", "text": "Huslejen er <b>7.300</b> kr.'; DROP TABLE x;--\nfra 1/1"},
        {"section": "household", "text": "Hans er flyttet ud"},
    ]


def test_no_corrections_is_an_empty_list() -> None:
    assert clean_corrections(None) == []
    assert clean_corrections([]) == []


def test_a_correction_of_exactly_the_maximum_length_is_kept() -> None:
    text = "æ" * MAX_TEXT_CHARS
    assert clean_corrections([{"section": "household", "text": text}])[0]["text"] == text


@pytest.mark.parametrize(
    "raw",
    [
        "not a list",
        [{"section": "income", "text": "x"}],
        [{"section": "dwelling"}],
        [{"section": "dwelling", "text": 42}],
        [{"section": "dwelling", "text": "x", "extra": 1}],
        [{"section": "dwelling", "text": " \x00 "}],
        [{"section": "dwelling", "text": "x" * (MAX_TEXT_CHARS + 1)}],
        [{"section": "dwelling", "text": "x"}] * 21,
        ["dwelling"],
    ],
)
def test_malformed_corrections_are_refused(raw: object) -> None:
    with pytest.raises(InvalidInput):
        clean_corrections(raw)
