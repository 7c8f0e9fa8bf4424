"""The classifier's fast scoring gives sklearn's own probabilities."""
from __future__ import annotations

import numpy as np
import pytest

from bot.components.intent_classifier import SyllableIntentClassifier, _Scorer

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
    scorer = _Scorer(model)
    for query in QUERIES:
        expected = model.predict_proba([query])[0]
        assert np.allclose(scorer.probabilities(query), expected, atol=1e-12), query
    assert model.classes_[np.argmax(scorer.probabilities("cam on nhe"))] == "thank"
