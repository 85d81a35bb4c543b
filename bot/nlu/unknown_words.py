"""A guard against confident guesses on nonsense.

DIET gives some keyboard mash a confident intent ("flurp zonk quix" → deny 1.00 in our measurements),
and a wrong "yes" or "no" could move a form on. This component remembers the words of the training
data; when none of a message's words is known (exactly, or by a shared five-letter beginning, which
lets Greenlandic words with unseen affixes through), it sets `nlu_fallback`. Messages without letters
(phone numbers, "1") and button payloads ("/affirm") are left alone.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

FALLBACK_INTENT = "nlu_fallback"
PREFIX = 5
_WORDS = re.compile(r"[^\W\d_]+")


def words(text: str | None) -> list[str]:
    return _WORDS.findall((text or "").lower())


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsGuard(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsGuard:
        return cls(model_storage, resource, set())

    def __init__(self, model_storage: ModelStorage, resource: Resource, vocabulary: set[str]) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._vocabulary = vocabulary
        self._prefixes = {word[:PREFIX] for word in vocabulary if len(word) >= PREFIX}

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary = {
            word for example in training_data.training_examples for word in words(example.get(TEXT))
        }
        with self._model_storage.write_to(self._resource) as directory:
            (directory / "vocabulary.json").write_text(json.dumps(sorted(vocabulary), ensure_ascii=False))
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsGuard:
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = set(json.loads((directory / "vocabulary.json").read_text()))
        except (ValueError, FileNotFoundError):
            vocabulary = set()
        return cls(model_storage, resource, vocabulary)

    def known(self, word: str) -> bool:
        return word in self._vocabulary or (len(word) >= PREFIX and word[:PREFIX] in self._prefixes)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            found = words(text)
            if text.startswith("/") or not found or not self._vocabulary:
                continue
            if not any(self.known(word) for word in found):
                fallback = {"name": FALLBACK_INTENT, "confidence": 1.0}
                ranking = [
                    r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK_INTENT
                ]
                message.set(INTENT, fallback, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [fallback, *ranking], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
