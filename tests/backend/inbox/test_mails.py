"""The e-mails to caseworkers count with the plural form each count needs, in en, da and kl."""

from __future__ import annotations

import pytest

from backend.inbox.mails import digest

URL = "https://inissiaq.example.gl/inbox"


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        (
            "en",
            "1 housing-benefit application is waiting to be processed.",
            "2 housing-benefit applications are waiting to be processed.",
        ),
        (
            "da",
            "1 ansøgning om boligsikring venter på at blive behandlet.",
            "2 ansøgninger om boligsikring venter på at blive behandlet.",
        ),
        (
            "kl",
            "Boligsikringimut qinnuteqaat 1 suliarineqarnissaminik utaqqivoq.",
            "Boligsikringimut qinnuteqaatit 2 suliarineqarnissaminnik utaqqipput.",
        ),
    ],
)
def test_the_digest_counts_applications_in_the_singular_and_the_plural(
    language: str, one: str, two: str
) -> None:
    assert digest(language, count=1, inbox_url=URL).text.startswith(one)
    assert digest(language, count=2, inbox_url=URL).text.startswith(two)


@pytest.mark.parametrize(
    ("language", "one", "two"),
    [
        ("en", "You have 1 overdue follow-up task: ", "You have 2 overdue follow-up tasks: "),
        ("da", "Du har 1 overskreden opfølgningsopgave: ", "Du har 2 overskredne opfølgningsopgaver: "),
        ("kl", "Eqqaasitsissutit 1 kingusippoq: ", "Eqqaasitsissutitit 2 kingusipput: "),
    ],
)
def test_the_digest_counts_overdue_tasks_in_the_singular_and_the_plural(
    language: str, one: str, two: str
) -> None:
    assert digest(language, count=0, inbox_url=URL, overdue_tasks=1).text == f"{one}{URL}/tasks"
    assert digest(language, count=0, inbox_url=URL, overdue_tasks=2).text == f"{two}{URL}/tasks"


def test_a_large_count_is_written_in_the_caseworkers_locale() -> None:
    assert digest("da", count=1200, inbox_url=URL).text.startswith("1.200 ansøgninger")
    assert digest("en", count=1200, inbox_url=URL).text.startswith("1,200 housing-benefit applications")
