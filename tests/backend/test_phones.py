import pytest

from backend.phones import InvalidPhone, format_phone, normalise_phone, require_phone


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("551234", "+299551234"),
        ("55 12 34", "+299551234"),
        ("55-12-34", "+299551234"),
        ("+299 551234", "+299551234"),
        ("00299 55 12 34", "+299551234"),
        ("+45 20 12 34 56", "+4520123456"),
        ("0045-20-12-34-56", "+4520123456"),
        ("+46 70 123 45 67", "+46701234567"),
        ("0046 70-123 45 67", "+46701234567"),
    ],
)
def test_greenlandic_danish_and_swedish_numbers_are_normalised_to_e164(text: str, e164: str) -> None:
    assert normalise_phone(text) == e164


@pytest.mark.parametrize(
    "text",
    ["", "12", "12345", "5512345", "+299 12 34", "+1 202 555 0143", "55I234", "ring mig", "5" * 40, None],
)
def test_invalid_or_foreign_numbers_are_refused(text: str | None) -> None:
    assert normalise_phone(text) is None


def test_require_phone_raises_a_400_error_for_an_invalid_number() -> None:
    with pytest.raises(InvalidPhone) as error:
        require_phone("123")
    assert error.value.status == 400
    assert error.value.code == "invalid_phone"


def test_format_phone_groups_digits_for_display() -> None:
    assert format_phone("+299551234") == "+299 55 12 34"
    assert format_phone("+4520123456") == "+45 20 12 34 56"


@pytest.mark.parametrize(
    ("text", "language", "e164"),
    [
        ("20 12 34 56", None, "+4520123456"),
        ("20123456", "kl", "+4520123456"),
        ("070-123 45 67", "sv", "+46701234567"),
        ("0701234567", "sv", "+46701234567"),
        ("46 70 123 45 67", "da", "+46701234567"),
        ("299 55 12 34", "da", "+299551234"),
    ],
)
def test_national_formats_are_read_as_people_write_them(text: str, language: str | None, e164: str) -> None:
    assert normalise_phone(text, language) == e164


@pytest.mark.parametrize("language", [None, "da", "kl"])
def test_a_swedish_trunk_zero_number_outside_swedish_is_refused_not_guessed(language: str | None) -> None:
    assert normalise_phone("070-123 45 67", language) is None
    with pytest.raises(InvalidPhone):
        require_phone("0701234567", language)
