"""Links a procedure mention to a catalogue code with the catalogue's own search.

The mention is the span of the words that matched the best procedure; its
value is the national (or local) procedure code. When the words cannot tell
several procedures apart ("kết hôn": in Vietnam or with a foreigner), the
entity carries them as ``candidates`` so the dialogue can ask.

It reads the catalogue database while training too (the mention spans mask the
training examples), so the catalogue is part of the component's fingerprint:
``make train`` retrains when the procedures' names, aliases, fields, levels or
agencies (what linking reads) differ from those the model was trained with.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text, Type

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components import SourceFingerprinted, source_fingerprint
from bot.components.normalizer import VietnameseNormalizer, normalized_tokens
from services.catalogue import catalogue_fingerprint, catalogue_index
from procedures_db.db import session_scope
from core.ranking import SearchResult, Thresholds, choice_labels, decide

logger = logging.getLogger(__name__)

PROCEDURE = "procedure"
# Spans of the message that name a procedure: the tokenizer masks them, the
# same way in training and at run time, so intents are learnt from how people
# ask rather than from which procedure they name.
MENTION_SPANS = "procedure_mention_spans"


def link(result: SearchResult, thresholds: Thresholds = Thresholds()) -> Optional[Dict[str, Any]]:
    """The procedure entity for a search result, or None when nothing is named well enough.

    The decision is core.ranking.decide, the one tools/evaluation/catalogue_eval.py
    measures: a partial word match ("đăng ký", "nước ngoài") links nothing, so the
    dialogue says the catalogue does not hold it rather than answer another procedure.
    """
    decision = decide(result, thresholds)
    best = decision.best
    if decision.kind == "none" or best is None or best.mention_span is None:
        return None
    start, end = best.mention_span
    entity = {
        "entity": PROCEDURE,
        "value": best.code,
        "start": start,
        "end": end,
        "confidence_entity": best.score,
        "procedure_name": best.name,
    }
    if decision.kind == "clarify":
        entity["candidates"] = [
            {"code": h.code, "name": h.name, "label": label}
            for h, label in zip(decision.choices, choice_labels(decision.choices))
        ]
    return entity


def catalogue_used(database_url: Optional[str] = None) -> str:
    """Which catalogue linking reads now (services.catalogue.catalogue_fingerprint)."""
    try:
        with session_scope(database_url) as session:
            return catalogue_fingerprint(session)
    except Exception:  # trained without the catalogue: retrained once it is back
        logger.warning("catalogue unavailable while fingerprinting the procedure linker", exc_info=True)
        return "catalogue unavailable"


# Also a message "featurizer" so that Rasa runs it on the training data too (the
# mention spans it leaves there are masked by the tokenizer).
@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER],
    is_trainable=False,
)
class ProcedureEntityLinker(SourceFingerprinted, GraphComponent, EntityExtractorMixin):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        defaults = Thresholds()
        return {
            "min_score": defaults.min_score,
            "min_recall": defaults.min_recall,
            "min_precision": defaults.min_precision,
            "database_url": None,
        }

    @classmethod
    def required_components(cls) -> List[Type]:
        return [VietnameseNormalizer]

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return f"{source_fingerprint()}:{catalogue_used(config.get('database_url'))}"

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "ProcedureEntityLinker":
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        if any(message.get(TOKENS_NAMES[TEXT]) for message in training_data.intent_examples[:1]):
            # Rasa's required_components cannot say "before": checked here, where it matters.
            raise ValueError(
                f"{type(self).__name__} must come before the tokenizer in config.yml's pipeline: "
                "the tokenizer masks the procedure mentions it finds"
            )
        for message in training_data.intent_examples:
            if message.get(TEXT):
                entity = self._link(message)
                message.set(MENTION_SPANS, [(entity["start"], entity["end"])] if entity else [])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if not message.get(TEXT):
                continue
            entity = self._link(message)
            message.set(MENTION_SPANS, [(entity["start"], entity["end"])] if entity else [])
            if entity:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name([entity]), add_to_output=True)
        return messages

    def _link(self, message: Message) -> Optional[Dict[str, Any]]:
        try:
            with session_scope(self.config.get("database_url")) as session:
                result = catalogue_index(session).search(normalized_tokens(message), limit=5)
        except Exception:  # the catalogue is down: understand the rest of the message anyway
            logger.warning("procedure linking skipped: catalogue unavailable", exc_info=True)
            return None
        return link(
            result,
            Thresholds(self.config["min_score"], self.config["min_recall"], self.config["min_precision"]),
        )
