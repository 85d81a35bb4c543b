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
