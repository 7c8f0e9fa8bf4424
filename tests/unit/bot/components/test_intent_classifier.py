"""The classifier's fast scoring gives sklearn's own probabilities, also once stored and loaded without pickle."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.intent_classifier import ARRAYS_FILE, META_FILE, SyllableIntentClassifier, _Scorer

TRAINING = {
    "greet": ["xin chao", "chao ban", "alo ad", "chao em"],
    "ask_fee": ["le phi bao nhieu", "mat bao nhieu tien", "phi __procedure__ la bao nhieu", "ton bao nhieu tien"],
    "ask_documents": ["can giay to gi", "__procedure__ can mang gi", "ho so gom nhung gi", "can chuan bi gi"],
    "thank": ["cam on", "cam on ban nhieu", "tks ad", "ok cam on em"],
}
QUERIES = ["qqq zzz", "chao", "le phi __procedure__", "can giay to j", "cam on nhe", "khong lien quan gi ca", "a"]


def fitted(intents):
    texts = [text for intent in intents for text in TRAINING[intent]]
    labels = [intent for intent in intents for _ in TRAINING[intent]]
    return SyllableIntentClassifier({}, None, None)._pipeline().fit(texts, labels)


@pytest.mark.parametrize("intents", [list(TRAINING), ["greet", "thank"]], ids=["multinomial", "two intents"])
def test_fast_scoring_matches_sklearn(intents):
    model = fitted(intents)
    scorer = _Scorer.from_pipeline(model)
    for query in QUERIES:
        expected = model.predict_proba([query])[0]
        assert np.allclose(scorer.probabilities(query), expected, atol=1e-12), query
    assert model.classes_[np.argmax(scorer.probabilities("cam on nhe"))] == "thank"


def _message(text: str, intent: str | None = None) -> Message:
    message = Message({TEXT: text, **({INTENT: intent} if intent else {})})
    message.set(TOKENS_NAMES[TEXT], [Token(word, 0, lemma=word) for word in text.split()])
    return message


def test_trained_model_is_stored_as_numbers_and_words_and_loads_to_the_same_probabilities(tmp_path):
    storage, resource = LocalModelStorage(tmp_path), Resource("intent_classifier")
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = SyllableIntentClassifier.create({}, storage, resource, context)
    classifier.train(TrainingData([_message(text, intent) for intent in TRAINING for text in TRAINING[intent]]))

    with storage.read_from(resource) as directory:
        assert sorted(path.name for path in directory.iterdir()) == [META_FILE, ARRAYS_FILE]
        json.loads((directory / META_FILE).read_text(encoding="utf-8"))
        with zipfile.ZipFile(directory / ARRAYS_FILE) as arrays:
            for name in arrays.namelist():  # .npy arrays of numbers: none holds pickled objects
                assert np.lib.format.read_array(arrays.open(name), allow_pickle=False).dtype.kind in "fiu"

    loaded = SyllableIntentClassifier.load({}, storage, resource, context)
    for query in QUERIES:
        trained, reloaded = classifier.process([_message(query)])[0], loaded.process([_message(query)])[0]
        assert reloaded.get("intent") == trained.get("intent") and reloaded.get("intent_ranking") == trained.get(
            "intent_ranking"
        ), query
    assert loaded.process([_message("cam on nhe")])[0].get("intent")["name"] == "thank"
