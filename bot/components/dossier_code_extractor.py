"""Extracts dossier codes from the raw text, before segmentation can split them.

Codes typed without dots or with spaces ("0000012H48 241105 0012") are
returned in their canonical form (000.00.12.H48-241105-0012).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.components import SourceFingerprinted
from core.text import DOSSIER_CODE_PATTERN, canonical_dossier_code

DOSSIER_CODE = "dossier_code"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DossierCodeExtractor(SourceFingerprinted, GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DossierCodeExtractor":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = [
                {
                    "entity": DOSSIER_CODE,
                    "value": canonical_dossier_code(match.group()),
                    "start": match.start(),
                    "end": match.end(),
                    "confidence_entity": 1.0,
                }
                for match in DOSSIER_CODE_PATTERN.finditer(text)
            ]
            if entities:
                message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(entities), add_to_output=True)
        return messages
