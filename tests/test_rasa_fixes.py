"""Each fix in bot/rasa_fixes.py gives Rasa's own results, compared with Rasa's originals."""
from __future__ import annotations

import ast
import copy
import inspect
import logging
from pathlib import Path

import pytest
import structlog
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.engine import loader
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses

import bot  # noqa: F401  (installs the fixes)
import rasa.core.processor
from bot.rasa_fixes import (
    MODULES_COPYING_ONLY_FOR_DEBUG_LOGS, SequentialGraphRunner, _CopyForDebugLogs, _is_valid_action_response,
    _validate_action_result, debug_logs_enabled,
)
from scripts.stack import ROOT

# --- action server responses -----------------------------------------------------------------

VALID = [
    {"events": [{"event": "slot", "name": "procedure_code", "value": "1.001193"}], "responses": [{"text": "Dạ"}]},
    {"events": [], "responses": []},
    {"events": [{"event": "active_loop", "name": "dossier_form"}, {"event": "followup", "name": "x"},
                {"event": "bot", "text": "Dạ", "timestamp": 1.5, "metadata": {}},
                {"event": "pause"}, {"event": "restart"}, {"event": "reset_slots"}]},
    {"events": [{"event": "user", "text": "xin chào", "parse_data": {"intent": {"name": "greet", "confidence": 1.0},
                                                                     "entities": []}}]},
]
INVALID = [
    {"events": [{"name": "procedure_code"}]},  # an event without its type
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot", "value": 1}]},  # a slot event needs its name
    {"events": [{"event": "bot", "timestamp": "yesterday"}]},
    {"events": [{"event": 3}]},
    {"responses": "not a list"},
]


def rasa_accepts(response) -> bool:
    schema = RemoteAction.action_response_format_spec()
    return validators.validator_for(schema)(schema).is_valid(response)


def test_rasa_uses_the_patched_validation():
    assert RemoteAction._validate_action_result is _validate_action_result


@pytest.mark.parametrize("response", VALID + INVALID)
def test_event_by_event_validation_agrees_with_rasas_schema(response):
    assert _is_valid_action_response(response) == rasa_accepts(response)


@pytest.mark.parametrize("response", VALID)
def test_valid_response_passes(response):
    assert RemoteAction("action_x", None)._validate_action_result(response)


@pytest.mark.parametrize("response", INVALID)
def test_invalid_response_is_rejected_with_rasa_message(response):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_x", None)._validate_action_result(response)


# --- event types -----------------------------------------------------------------------------

def test_every_event_type_resolves_to_rasas_class():
    for event_class in all_subclasses(Event):
        if isinstance(event_class.type_name, str) and event_class.type_name != "event":
            expected = next(c for c in all_subclasses(Event) if c.type_name == event_class.type_name)
            assert Event.resolve_by_type(event_class.type_name) is expected
            assert Event.resolve_by_type(event_class.type_name) is expected  # from the cache
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


# --- prediction graph runner -------------------------------------------------------------------

@pytest.fixture(scope="module")
def runners(tmp_path_factory, seeded_sqlite_url):
    model = ROOT / "models" / "assistant.tar.gz"
    if not model.is_file():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", seeded_sqlite_url)  # the procedure linker searches this catalogue
        yield {
            runner_class: loader.load_predict_graph_runner(
                tmp_path_factory.mktemp(runner_class.__name__), model, LocalModelStorage, runner_class
            )
            for runner_class in (DaskGraphRunner, SequentialGraphRunner)
        }


def test_the_processor_loads_models_with_the_sequential_runner():
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner


@pytest.mark.parametrize("text", [
    "làm hộ chiếu cần giấy tờ gì", "lam gks cho con mat bao lau", "tra cứu hồ sơ 000.00.12.H48-251103-0021",
    "xin chào", "asdfgh", "",
])
def test_sequential_runner_parses_like_dask(runners, text):
    parsed = []
    for metadata, runner in runners.values():
        result = runner.run(inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: None},
                            targets=[metadata.nlu_target])
        parsed.append(result[metadata.nlu_target][0].as_dict(only_output_properties=True))
    assert parsed[0] == parsed[1]
    assert "intent" in parsed[0]


@pytest.mark.parametrize("intent", ["greet", "ask_documents", "check_dossier_status", "thank"])
def test_sequential_runner_predicts_like_dask(runners, intent):
    predictions = []
    for metadata, runner in runners.values():
        tracker = DialogueStateTracker.from_events("t", [
            ActionExecuted("action_listen"),
            UserUttered("…", intent={"name": intent, "confidence": 1.0}),
        ], slots=metadata.domain.slots)
        prediction = runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])
        prediction = prediction[metadata.core_target]
        predictions.append((prediction.policy_name, prediction.probabilities, prediction.events))
    assert predictions[0] == predictions[1]
    assert max(predictions[0][1]) > 0


# --- debug log arguments -----------------------------------------------------------------------


@pytest.mark.parametrize("module", MODULES_COPYING_ONLY_FOR_DEBUG_LOGS, ids=lambda m: m.__name__)
def test_every_deepcopy_in_the_patched_modules_is_a_debug_log_argument(module):
    # If a Rasa upgrade deep-copies anything else there, skipping the copy would change behaviour.
    tree = ast.parse(Path(inspect.getsourcefile(module)).read_text())
    in_debug_calls = {
        id(node)
        for call in ast.walk(tree)
        if isinstance(call, ast.Call) and ast.unparse(call.func) == "structlogger.debug"
        for node in ast.walk(call)
    }
    deepcopies = [node for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and ast.unparse(node.func) == "copy.deepcopy"]
    assert deepcopies and all(id(node) in in_debug_calls for node in deepcopies)
    assert isinstance(module.copy, _CopyForDebugLogs)


def test_debug_log_arguments_are_copied_only_when_debug_logs_are_on():
    value = {"events": [{"event": "slot", "value": [1]}]}
    previous = structlog.get_config()
    try:
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
        assert not debug_logs_enabled()
        assert rasa.core.processor.copy.deepcopy(value) is value
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
        assert debug_logs_enabled()
        copied = rasa.core.processor.copy.deepcopy(value)
        assert copied == value and copied is not value and copied["events"][0] is not value["events"][0]
    finally:
        structlog.configure(**previous)
    assert rasa.core.processor.copy.copy is copy.copy  # the rest of the module is the real one
