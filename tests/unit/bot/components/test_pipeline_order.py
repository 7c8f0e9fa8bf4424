"""The pipeline's order is checked by Rasa and by the components, not only told in a config.yml comment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.exceptions import GraphSchemaValidationException
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.validation import validate
from rasa.shared.data import TrainingType
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.components.procedure_linker import ProcedureEntityLinker
from bot.components.tokenizer import VietnameseTokenizer

ROOT = next(path for path in Path(__file__).resolve().parents if (path / "Makefile").is_file())
COMPONENTS = "bot.components."


def _validated(pipeline: list) -> None:
    config = {"recipe": "default.v1", "language": "vi", "pipeline": pipeline, "policies": []}
    validate(DefaultV1Recipe().graph_config_for_recipe(config, {}, training_type=TrainingType.NLU))


def test_the_project_pipeline_passes_rasas_check():
    _validated(yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"])


@pytest.mark.parametrize(
    "pipeline, missing",
    [
        (["tokenizer.VietnameseTokenizer", "intent_classifier.SyllableIntentClassifier"], "VietnameseNormalizer"),
        (["normalizer.VietnameseNormalizer", "intent_classifier.SyllableIntentClassifier"], "VietnameseTokenizer"),
        (
            ["procedure_linker.ProcedureEntityLinker", "intent_classifier.SyllableIntentClassifier"],
            "VietnameseNormalizer",
        ),
    ],
)
def test_rasa_refuses_a_pipeline_without_what_a_component_needs_before_it(pipeline, missing):
    with pytest.raises(GraphSchemaValidationException, match=f"require a {missing}"):
        _validated([{"name": COMPONENTS + name} for name in pipeline])


def test_the_linker_after_the_tokenizer_is_refused_at_training():
    data = TrainingData([Message({TEXT: "làm hộ chiếu cần gì", INTENT: "ask_documents"})])
    VietnameseTokenizer({**VietnameseTokenizer.get_default_config()}).process_training_data(data)
    linker = ProcedureEntityLinker(ProcedureEntityLinker.get_default_config())
    with pytest.raises(ValueError, match="must come before the tokenizer"):
        linker.process_training_data(data)
