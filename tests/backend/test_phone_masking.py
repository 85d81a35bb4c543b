"""A phone number shown to whoever holds a one-time link: country code, two first and two last digits."""

import pytest

from backend.phones import mask_phone


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        ("+299551234", "+299 55 ** 34"),
        ("+4520123456", "+45 20 ** ** 56"),
        ("+46701234567", "+46 70 *** ** 67"),
        ("+2995512", "+*****12"),  # not a possible number: only the last two digits
    ],
)
def test_a_masked_number_hides_the_middle_digits(e164: str, shown: str) -> None:
    assert mask_phone(e164) == shown


def test_something_that_is_not_a_number_is_shown_with_its_digits_hidden() -> None:
    assert mask_phone("ab123") == "ab*23"
    assert mask_phone("") == ""
