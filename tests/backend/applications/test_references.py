from backend.applications.references import ALPHABET, PATTERN, new_reference


def test_references_look_like_bs_and_six_unambiguous_characters() -> None:
    for _ in range(200):
        assert PATTERN.match(new_reference())


def test_the_alphabet_has_no_easily_confused_characters() -> None:
    assert not set("01OILUV") & set(ALPHABET)


def test_references_are_random() -> None:
    assert len({new_reference() for _ in range(500)}) == 500
