"""The nonsense guard: a message none of whose words was ever seen becomes nlu_fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.unknown_words import UnknownWordsGuard


@pytest.fixture
def guard(tmp_path: Path) -> UnknownWordsGuard:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("guard")
    context = ExecutionContext(GraphSchema({}), "test")
    trained = UnknownWordsGuard.create({}, storage, resource, context)
    examples = [
        Message(data={TEXT: t, INTENT: "x"})
        for t in ("ja tak", "Boligsikringimik qinnuteqarusuppunga", "nej")
    ]
    trained.train(TrainingData(training_examples=examples))
    return UnknownWordsGuard.load({}, storage, resource, context)


def parsed(guard: UnknownWordsGuard, text: str) -> str:
    message = Message(data={TEXT: text})
    message.set(INTENT, {"name": "deny", "confidence": 1.0})
    message.set(INTENT_RANKING_KEY, [{"name": "deny", "confidence": 1.0}])
    return guard.process([message])[0].get(INTENT)["name"]


@pytest.mark.parametrize("text", ["flurp zonk quix", "asdf qwer", "hjkl", "xqzv blorp wibble"])
def test_nonsense_becomes_fallback(guard: UnknownWordsGuard, text: str) -> None:
    assert parsed(guard, text) == "nlu_fallback"


@pytest.mark.parametrize(
    "text",
    [
        "nej",
        "Ja TAK!",
        "qinnuteqarniarpunga",  # an unseen affix on a known stem
        "nej flurp",  # one known word is enough
        "52 12 34",  # no letters: a phone number
        "1",
        "/affirm",
    ],
)
def test_known_words_numbers_and_payloads_pass(guard: UnknownWordsGuard, text: str) -> None:
    assert parsed(guard, text) == "deny"
