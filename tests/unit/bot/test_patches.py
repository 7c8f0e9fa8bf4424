"""bot/patches: each patch gives Rasa's own results (compared with Rasa's originals); installed only
explicitly, refused on another Rasa version, all off with RASA_PATCHES=off."""

from __future__ import annotations

import ast
import asyncio
import copy
import inspect
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import structlog
import ujson
from aiohttp import web
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import UserMessage
from rasa.engine import loader
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig
import rasa

import rasa.core.processor
from bot import patches
from bot.patches import endpoint_sessions, remembered_dialogue_states
from bot.patches.action_response_validation import is_valid_action_response, validate_action_result
from bot.patches.debug_log_copies import MODULES_COPYING_ONLY_FOR_DEBUG_LOGS, CopyForDebugLogs, debug_logs_enabled
from bot.patches.sequential_graph_runner import SequentialGraphRunner

ROOT = next(path for path in Path(__file__).resolve().parents if (path / "Makefile").is_file())


@pytest.fixture(autouse=True, scope="module")
def installed_patches():
    """What the entry points do at start-up (bot/rasa_server.py, python -m bot)."""
    patches.install()
    yield


# --- action server responses -----------------------------------------------------------------

VALID = [
    {"events": [{"event": "slot", "name": "procedure_code", "value": "1.001193"}], "responses": [{"text": "Dạ"}]},
    {"events": [], "responses": []},
    {
        "events": [
            {"event": "active_loop", "name": "dossier_form"},
            {"event": "followup", "name": "x"},
            {"event": "bot", "text": "Dạ", "timestamp": 1.5, "metadata": {}},
            {"event": "pause"},
            {"event": "restart"},
            {"event": "reset_slots"},
        ]
    },
    {
        "events": [
            {
                "event": "user",
                "text": "xin chào",
                "parse_data": {"intent": {"name": "greet", "confidence": 1.0}, "entities": []},
            }
        ]
    },
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
    assert RemoteAction._validate_action_result is validate_action_result


@pytest.mark.parametrize("response", VALID + INVALID)
def test_event_by_event_validation_agrees_with_rasas_schema(response):
    assert is_valid_action_response(response) == rasa_accepts(response)


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


@pytest.mark.parametrize(
    "text",
    [
        "làm hộ chiếu cần giấy tờ gì",
        "lam gks cho con mat bao lau",
        "tra cứu hồ sơ 000.00.12.H48-251103-0021",
        "xin chào",
        "asdfgh",
        "",
    ],
)
def test_sequential_runner_parses_like_dask(runners, text):
    parsed = []
    for metadata, runner in runners.values():
        result = runner.run(
            inputs={PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: None}, targets=[metadata.nlu_target]
        )
        parsed.append(result[metadata.nlu_target][0].as_dict(only_output_properties=True))
    assert parsed[0] == parsed[1]
    assert "intent" in parsed[0]


@pytest.mark.parametrize("intent", ["greet", "ask_documents", "check_dossier_status", "thank"])
def test_sequential_runner_predicts_like_dask(runners, intent):
    predictions = []
    for metadata, runner in runners.values():
        tracker = DialogueStateTracker.from_events(
            "t",
            [
                ActionExecuted("action_listen"),
                UserUttered("…", intent={"name": intent, "confidence": 1.0}),
            ],
            slots=metadata.domain.slots,
        )
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
    deepcopies = [
        node for node in ast.walk(tree) if isinstance(node, ast.Call) and ast.unparse(node.func) == "copy.deepcopy"
    ]
    assert deepcopies and all(id(node) in in_debug_calls for node in deepcopies)
    assert isinstance(module.copy, CopyForDebugLogs)


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


# --- endpoint sessions ---------------------------------------------------------------------------


class _RecordingServer:
    """A real HTTP server on 127.0.0.1 that records what each request carried and on which connection."""

    def __init__(self) -> None:
        self.seen: List[Dict] = []
        self.runner: Optional[web.AppRunner] = None
        self.port = 0

    async def _handle(self, request: web.Request) -> web.Response:
        self.seen.append(
            {
                "peer": request.transport.get_extra_info("peername"),
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "auth": request.headers.get("Authorization"),
                "x_test": request.headers.get("X-Test"),
                "body": await request.json(),
            }
        )
        return web.json_response({"events": [], "responses": []})

    async def start(self, port: int = 0) -> None:
        app = web.Application()
        app.router.add_post("/webhook", self._handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port)
        await site.start()
        self.port = self.runner.addresses[0][1]

    async def stop(self) -> None:
        await self.runner.cleanup()


def _endpoint(port: int) -> EndpointConfig:
    return EndpointConfig(
        f"http://127.0.0.1:{port}/webhook",
        token="secret",
        headers={"X-Test": "1"},
        basic_auth={"username": "rasa", "password": "pw"},
    )


def test_action_calls_reuse_one_connection_and_send_what_rasa_sends(monkeypatch):
    async def scenario():
        server = _RecordingServer()
        await server.start()
        endpoint = _endpoint(server.port)
        try:
            for i in range(3):
                assert await endpoint.request(json={"next_action": f"a{i}"}, method="post") == {
                    "events": [],
                    "responses": [],
                }
            with monkeypatch.context() as original:  # Rasa's own: a new session per call
                original.setattr(EndpointConfig, "session", endpoint_sessions.original_endpoint_session)
                await endpoint.request(json={"next_action": "a3"}, method="post")
        finally:
            await endpoint_sessions.close_shared_sessions()
            await server.stop()
        return server.seen

    seen = asyncio.run(scenario())
    kept, rasas = seen[:3], seen[3]
    assert len({request["peer"] for request in kept}) == 1  # one connection for the three calls
    assert rasas["peer"] != kept[0]["peer"]
    for i, request in enumerate(kept):
        assert {k: v for k, v in request.items() if k != "peer"} == {
            **{k: v for k, v in rasas.items() if k != "peer"},
            "body": {"next_action": f"a{i}"},
        }
    assert rasas["query"] == {"token": "secret"} and rasas["x_test"] == "1" and rasas["auth"].startswith("Basic ")


def test_a_restarted_action_server_and_a_closed_session_get_new_connections():
    async def scenario():
        server = _RecordingServer()
        await server.start()
        endpoint = _endpoint(server.port)
        await endpoint.request(json={"n": 1}, method="post")
        port = server.port
        await server.stop()  # the action server restarts (its kept connection is gone)
        restarted = _RecordingServer()
        await restarted.start(port)
        try:
            assert await endpoint.request(json={"n": 2}, method="post") == {"events": [], "responses": []}
            session = next(iter(endpoint_sessions.shared_sessions[asyncio.get_running_loop()].values()))
            await endpoint_sessions.close_shared_sessions()
            assert session.closed and asyncio.get_running_loop() not in endpoint_sessions.shared_sessions
            await endpoint.request(json={"n": 3}, method="post")  # after closing: a new session
        finally:
            await endpoint_sessions.close_shared_sessions()
            await restarted.stop()
        return restarted.seen

    seen = asyncio.run(scenario())
    assert [request["body"] for request in seen] == [{"n": 2}, {"n": 3}]
    assert seen[0]["peer"] != seen[1]["peer"]


def test_the_tracker_sent_to_the_action_server_encodes_to_the_same_json_values():
    tracker = DialogueStateTracker.from_events(
        "citizen-1",
        [
            ActionExecuted("action_session_start"),
            SessionStarted(),
            ActionExecuted("action_listen"),
            UserUttered(
                "lệ phí làm hộ chiếu bao nhiêu? 1/2",
                {"name": "ask_fee", "confidence": 0.912345678901234},
                [{"entity": "procedure", "value": "1.001193", "start": 14, "end": 22, "confidence_entity": 0.5}],
                parse_data={
                    "intent_ranking": [
                        {"name": "ask_fee", "confidence": 0.912345678901234},
                        {"name": "greet", "confidence": 1e-7},
                    ]
                },
            ),
            SlotSet("procedure_code", "1.001193"),
            SlotSet("locked_dossier_codes", []),
            SlotSet("score", -0.0),
            ActionExecuted("action_answer_procedure", confidence=1.0),
            BotUttered("Dạ, lệ phí: 200.000 đồng ạ.", {"buttons": [{"title": "Nộp ở đâu", "payload": "/ask_where"}]}),
        ],
    )
    state = RemoteAction("action_x", None)._action_call_format(tracker, Domain.empty())
    encoded = ujson.dumps(state)
    assert json.loads(encoded) == json.loads(json.dumps(state))
    assert "\\u1ec7" in encoded  # ASCII-escaped, as the standard encoder does


# --- dialogue states -------------------------------------------------------------------------


def _conversation_events():
    procedure = [{"entity": "procedure", "value": "1.001193", "start": 0, "end": 5}]
    return [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("xin chào", intent={"name": "greet", "confidence": 1.0}),
        DefinePrevUserUtteredFeaturization(False),
        ActionExecuted("utter_greet"),
        BotUttered("Dạ"),
        ActionExecuted("action_listen"),
        UserUttered("hộ chiếu cần gì", intent={"name": "ask_documents", "confidence": 0.9}, entities=procedure),
        DefinePrevUserUtteredFeaturization(False),
        ActionExecuted("action_answer_procedure"),
        SlotSet("procedure_code", "1.001193"),
        BotUttered("Dạ, giấy tờ..."),
        ActionExecuted("action_listen"),
        UserUttered("tra cứu hồ sơ", intent={"name": "check_dossier_status", "confidence": 0.8}),
        EntitiesAdded([{"entity": "dossier_code", "value": "000.00.12.H48-251103-0021"}]),
        DefinePrevUserUtteredFeaturization(False),
        ActionExecuted("dossier_form"),
        ActiveLoop("dossier_form"),
        SlotSet("requested_slot", "phone_last4"),
        ActionExecuted("action_listen"),
        UserUttered("5678", intent={"name": "inform", "confidence": 0.7}),
        ActionExecuted("dossier_form"),
        SlotSet("phone_last4", "5678"),
        ActiveLoop(None),
        ActionExecuted("action_dossier_status"),
        UserUtteranceReverted(),
        ActionExecuted("action_listen"),
        # after the revert the applied events differ in the middle, then grow past the old length
        UserUttered("cảm ơn", intent={"name": "thank", "confidence": 1.0}),
        ActionExecuted("utter_thank"),
        ActionExecuted("action_listen"),
        UserUttered("chào", intent={"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        ActionExecuted("utter_anything_else"),
        ActionExecuted("action_listen"),
        # the last user message edited after the bot's actions (latest action: action_listen)
        EntitiesAdded([{"entity": "procedure", "value": "1.001193"}]),
        DefinePrevUserUtteredFeaturization(True),
        Restarted(),
        ActionExecuted("action_listen"),
        UserUttered("xin chào", intent={"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
    ]


def test_remembered_states_equal_rasas_after_every_event(runners):
    domain = next(iter(runners.values()))[0].domain
    for omit_unset_slots, every in [(False, 1), (True, 1), (False, 4), (False, 7)]:
        tracker = DialogueStateTracker("t", domain.slots)
        for number, event in enumerate(_conversation_events()):
            tracker.update(event, domain)  # one tracker growing: a stale memo would show here
            if number % every:
                continue  # states asked for now and then: several events (a revert...) in between
            expected = remembered_dialogue_states.original_states_for_tracker_history(domain, tracker, omit_unset_slots)
            first = domain.states_for_tracker_history(tracker, omit_unset_slots)
            second = tracker.past_states(domain, omit_unset_slots)
            assert first == second == expected
            if first:  # copies: what one caller edits, the next does not see
                first[-1].clear()
                assert domain.states_for_tracker_history(tracker, omit_unset_slots) == expected


def test_a_featurization_event_changes_the_remembered_states(runners):
    domain = next(iter(runners.values()))[0].domain
    tracker = DialogueStateTracker.from_events("t", _conversation_events()[:4], slots=domain.slots)
    before = domain.states_for_tracker_history(tracker)
    assert "text" in before[-1]["user"]  # Rasa's featurization, before a policy decided
    tracker.update(DefinePrevUserUtteredFeaturization(False))  # edits the user message in place
    after = domain.states_for_tracker_history(tracker)
    assert after == remembered_dialogue_states.original_states_for_tracker_history(domain, tracker)
    assert "text" not in after[-1]["user"] and after[-1]["user"]["intent"] == "greet"


# --- installation: explicit, version-checked, switchable off -----------------------------------

RASA_ORIGINALS = """
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig
import rasa.core.processor, rasa.core.run
from rasa.engine.runner.dask import DaskGraphRunner
originals = (RemoteAction._validate_action_result, Event.resolve_by_type, Domain.states_for_tracker_history,
             EndpointConfig.session, rasa.core.run.close_resources, rasa.core.processor.copy)
assert rasa.core.processor.DaskGraphRunner is DaskGraphRunner
"""
STILL_RASAS = """
assert (RemoteAction._validate_action_result, Event.resolve_by_type, Domain.states_for_tracker_history,
        EndpointConfig.session, rasa.core.run.close_resources, rasa.core.processor.copy) == originals
assert rasa.core.processor.DaskGraphRunner is DaskGraphRunner
"""


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1", **env}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )


def test_importing_the_rasa_side_modules_changes_nothing_in_rasa():
    # Before bot/patches, importing any of these rebound nine Rasa internals.
    done = _python(
        RASA_ORIGINALS
        + """
import bot.components.normalizer, bot.components.procedure_linker, bot.components.tokenizer
import bot.components.intent_classifier, bot.components.dossier_code_extractor
import bot.channels, bot.channels.rest, bot.channels.socketio, bot.channels.facebook, bot.channels.zalo
import bot.stores.tracker_store, bot.stores.lock_store, bot.server_guard, bot.patches
"""
        + STILL_RASAS
        + """
from bot import patches
assert patches.installed() == []
"""
    )
    assert done.returncode == 0, done.stderr


def test_rasa_patches_off_leaves_rasa_as_it_is():
    done = _python(
        RASA_ORIGINALS
        + """
from bot import patches
assert patches.install() == []
"""
        + STILL_RASAS,
        RASA_PATCHES="off",
    )
    assert done.returncode == 0, done.stderr


def test_a_setting_that_is_neither_on_nor_off_is_refused(monkeypatch):
    monkeypatch.setenv("RASA_PATCHES", "maybe")
    with pytest.raises(ValueError, match="RASA_PATCHES must be 'on' or 'off'"):
        patches.install()


def test_every_patch_is_installed_once_and_can_be_removed():
    assert patches.installed() == list(patches.PATCH_MODULES)
    assert patches.install() == list(patches.PATCH_MODULES)  # again: nothing changes
    assert patches.installed() == list(patches.PATCH_MODULES)
    try:
        patches.uninstall()
        assert patches.installed() == []
        assert RemoteAction._validate_action_result is not validate_action_result
        assert rasa.core.processor.DaskGraphRunner is DaskGraphRunner
        assert rasa.core.processor.copy is copy
    finally:
        patches.install()


def test_a_rasa_version_a_patch_was_not_written_for_is_refused_before_anything_changes(monkeypatch):
    patches.uninstall()
    try:
        monkeypatch.setattr(rasa, "__version__", "3.7.0")
        with pytest.raises(patches.PatchRefused) as refused:
            patches.install()
        message = str(refused.value)
        assert "bot.patches.action_response_validation was written for Rasa ==3.6.21" in message
        assert "this is Rasa 3.7.0" in message and "RASA_PATCHES=off" in message
        assert patches.installed() == []
    finally:
        monkeypatch.undo()
        patches.install()


@pytest.mark.parametrize("entry_point", ["bot.rasa_server", "bot.__main__"])
def test_the_entry_points_install_the_patches_before_rasa_starts(entry_point):
    done = _python(
        f"""
import sys, rasa.__main__
from bot import patches
seen = []
rasa.__main__.main = lambda: seen.append((list(sys.argv[1:]), patches.installed()))
import {entry_point} as entry
sys.argv = ["x", "--version"]
entry.main([]) if entry.__name__ == "bot.rasa_server" else entry.main()
assert seen and seen[0][1] == list(patches.PATCH_MODULES), seen
""",
        RASA_AUTH_TOKEN="t",
    )
    assert done.returncode == 0, done.stderr
