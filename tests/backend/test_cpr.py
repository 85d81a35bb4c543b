from datetime import date

import pytest

from backend.cpr import birth_date, birthday, is_valid_cpr, mask_cpr, normalise_cpr


def test_mask_cpr_keeps_only_the_birth_date() -> None:
    assert mask_cpr("0708861234") == "070886-xxxx"
    assert mask_cpr("070886-1234") == "070886-xxxx"


@pytest.mark.parametrize("cpr", ["0708861234", "1502921235", "3003901238", "2304781236", "0112651237"])
def test_the_demo_citizens_have_valid_cpr_numbers(cpr: str) -> None:
    assert is_valid_cpr(cpr)


def test_numbers_failing_the_old_modulus_11_check_are_still_valid() -> None:
    # 0708861234 fails modulus 11 (weights 4,3,2,7,6,5,4,3,2,1 give 175), yet it is a valid number.
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    assert sum(int(d) * w for d, w in zip("0708861234", weights, strict=True)) % 11 != 0
    assert is_valid_cpr("0708861234")


def test_a_hyphen_after_the_birth_date_is_accepted_and_removed() -> None:
    assert normalise_cpr(" 070886-1234 ") == "0708861234"


@pytest.mark.parametrize(
    "text",
    ["", "070886123", "07088612345", "070886 1234", "O708861234", "3213861234", "0013861234", "3204861234"],
)
def test_malformed_numbers_and_impossible_dates_are_invalid(text: str) -> None:
    assert not is_valid_cpr(text)


@pytest.mark.parametrize(
    ("cpr", "born"),
    [
        ("0708861234", date(1986, 8, 7)),  # 7th digit 0-3: 1900s
        ("1204184321", date(2018, 4, 12)),  # 4 and year <= 36: 2000s
        ("1204504321", date(1950, 4, 12)),  # 4 and year >= 37: 1900s
        ("0101059321", date(2005, 1, 1)),  # 9 and year <= 36: 2000s
        ("0101405321", date(2040, 1, 1)),  # 5-8 and year <= 57: 2000s
        ("0101585321", date(1858, 1, 1)),  # 5-8 and year >= 58: 1800s
    ],
)
def test_the_century_follows_from_the_seventh_digit(cpr: str, born: date) -> None:
    assert birth_date(cpr) == born


def test_the_29th_of_february_is_valid_only_in_leap_years() -> None:
    assert is_valid_cpr("2902004234")  # 2000
    assert not is_valid_cpr("2902001234")  # 1900 was not a leap year


def test_birthday_gives_day_and_month_for_routing() -> None:
    assert birthday("0708861234") == (7, 8)


def test_birth_date_refuses_an_invalid_number() -> None:
    with pytest.raises(ValueError):
        birth_date("9999999999")
