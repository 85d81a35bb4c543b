"""The NLU training data: every intent in every language, enough examples, no example in two intents,
entity annotations that the actions understand. Runs with the Rasa environment (its own loader)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
import yaml
from rasa.shared.nlu.training_data.loading import load_data

from actions.parsing import extract_phone, language_code

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("kl", "da", "sv")
MINIMUM = {"kl": 25, "da": 35, "sv": 35}
DOMAIN_INTENTS = set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])


@pytest.fixture(scope="module", params=LANGUAGES)
def language_data(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    return request.param, load_data(str(ROOT / "data" / "nlu" / request.param))


def test_every_domain_intent_has_enough_examples_in_every_language(language_data) -> None:
    language, data = language_data
    counts: dict[str, int] = defaultdict(int)
    for example in data.intent_examples:
        counts[example.get("intent")] += 1
    assert set(counts) == DOMAIN_INTENTS
    thin = {intent: n for intent, n in counts.items() if n < MINIMUM[language]}
    assert not thin, f"{language}: fewer than {MINIMUM[language]} examples: {thin}"


def test_no_text_belongs_to_two_intents_across_all_languages() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for language in LANGUAGES:
        for example in load_data(str(ROOT / "data" / "nlu" / language)).intent_examples:
            owners[example.get("text").strip().lower()].add(example.get("intent"))
    assert {text: intents for text, intents in owners.items() if len(intents) > 1} == {}


def test_language_entities_map_to_a_language_code(language_data) -> None:
    _, data = language_data
    for example in data.intent_examples:
        for entity in example.get("entities") or []:
            if entity["entity"] == "language":
                assert language_code(entity.get("value")) in LANGUAGES, example.get("text")


def test_phone_entities_are_valid_numbers(language_data) -> None:
    language, data = language_data
    phones = [
        entity["value"]
        for example in data.intent_examples
        for entity in example.get("entities") or []
        if entity["entity"] == "phone"
    ]
    assert len(phones) >= 15
    # Read as in a conversation in that language (a Swedish `070-123 45 67` only in Swedish).
    assert [p for p in phones if extract_phone(p, language) is None] == []


def test_the_shared_regex_matches_the_annotated_numbers() -> None:
    shared = yaml.safe_load((ROOT / "data" / "nlu" / "shared" / "regex.yml").read_text())
    patterns = [re.compile(line[2:]) for line in shared["nlu"][0]["examples"].splitlines() if line.strip()]
    for language in LANGUAGES:
        for example in load_data(str(ROOT / "data" / "nlu" / language)).intent_examples:
            for entity in example.get("entities") or []:
                if entity["entity"] == "phone":
                    assert any(p.search(entity["value"]) for p in patterns), entity["value"]
