"""Fixes to Rasa 3.6 internals, in one place, each with the measurement that justifies it.

Imported by the Rasa-side modules (components, stores, channels), so that every
process that loads any of them (the Rasa server, training, tests) gets them,
and the action server, which shares only ``bot.logging_filter``, does not load
Rasa (nor TensorFlow) for nothing. Each keeps
Rasa's behaviour (same results, same errors) and only removes repeated work;
tests/test_rasa_fixes.py checks that against Rasa's originals.
"""
from __future__ import annotations

import asyncio
import copy
from contextlib import nullcontext
from functools import lru_cache
from types import ModuleType
from typing import Any, Dict, List, Optional, Text, Tuple, Type
from weakref import WeakKeyDictionary

import aiohttp
import rasa.core.actions.forms
import rasa.core.policies.rule_policy
import rasa.core.processor
import rasa.core.run
import structlog
import ujson
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.utils.schemas.events import EVENT_SCHEMA
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

# --- 1. Action server responses: the schema compiled once, events checked by type --------------


def _compiled(schema: Dict[Text, Any]):
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


@lru_cache(maxsize=1)
def _action_response_validator():
    return _compiled(RemoteAction.action_response_format_spec())


@lru_cache(maxsize=1)
def _response_shape_validator():
    """The response schema with each event's ``oneOf`` (one branch per event type) left out."""
    schema = RemoteAction.action_response_format_spec()
    event_shape = {key: value for key, value in EVENT_SCHEMA.items() if key != "oneOf"}
    return _compiled({**schema, "properties": {**schema["properties"], "events": {"type": "array",
                                                                                  "items": event_shape}}})


@lru_cache(maxsize=None)
def _event_validator(event_type: Text):
    """EVENT_SCHEMA with only the ``oneOf`` branches for ``event_type``; None if there are none.

    A branch pins ``event`` with ``const``, so a branch for another type can never
    match: "exactly one of these" is "exactly one of all".
    """
    branches = [b for b in EVENT_SCHEMA["oneOf"] if b.get("properties", {}).get("event", {}).get("const") == event_type]
    return _compiled({**EVENT_SCHEMA, "oneOf": branches}) if branches else None


def _is_valid_action_response(result: Dict[Text, Any]) -> bool:
    if not _response_shape_validator().is_valid(result):
        return False
    for event in result.get("events") or []:
        validator = _event_validator(event["event"])
        if validator is None or not validator.is_valid(event):
            return False
    return True


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's check of an action server response, without re-checking the schema each time.

    ``jsonschema.validate`` re-validates the (large) event schema on every call:
    65 ms of the Rasa server's CPU per custom action, two thirds of a whole turn
    (cProfile over 150 turns). Compiled once, each event still went through all
    23 ``oneOf`` branches (about 2 ms per response); now only through its own
    type's. An invalid response is validated again against Rasa's full schema,
    so the error raised is Rasa's.
    """
    if _is_valid_action_response(result):
        return True
    try:
        _action_response_validator().validate(result)
        return True
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            f"Action endpoint is valid. For more information about the format visit {DOCS_BASE_URL}/custom-actions"
        )
        raise error


RemoteAction._validate_action_result = _validate_action_result

# --- 2. Event types: looked up once, not by walking every Event subclass per event --------------

_original_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


def _resolve_event_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Rasa's ``Event.resolve_by_type`` with the found classes remembered.

    Rasa walks the whole Event class tree (about 30 classes, with ``inspect``
    calls) for every event it reads back from the tracker store or an action
    server: half of the SQL tracker store's retrieve time. Misses go to Rasa's
    lookup unchanged (same default, same error).
    """
    found = _event_classes.get(type_name)
    if found is None:
        found = _original_resolve_by_type(type_name, default)
        if found is not None and found is not default:
            _event_classes[type_name] = found
    return found


Event.resolve_by_type = staticmethod(_resolve_event_type)

# --- 3. Prediction graphs: run in order, without dask's scheduler -------------------------------


class SequentialGraphRunner(DaskGraphRunner):
    """Runs the prediction graph's nodes one after the other, in a dependency order.

    Rasa runs the 10-20 nodes of each prediction through ``dask.get``, which
    plans the graph again on every call: about a sixth of the graph's time here,
    on a path that runs three times per turn. Dask's local scheduler is
    single-threaded anyway, so a precomputed order does the same work. The
    nodes, the inputs they receive and the results are Rasa's.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: Dict[Tuple[Text, ...], List[Tuple[Text, Tuple[Text, ...]]]] = {}

    def _plan(self, targets: Tuple[Text, ...]) -> List[Tuple[Text, Tuple[Text, ...]]]:
        """(node, names of the nodes it needs) for the targets' nodes, each after what it needs."""
        plan = self._plans.get(targets)
        if plan is None:
            nodes = self._graph_schema.minimal_graph_schema(list(targets)).nodes
            plan, placed = [], set()

            def place(name: Text) -> None:
                if name in placed or name not in nodes:
                    return
                placed.add(name)
                needs = tuple(nodes[name].needs.values())
                for needed in needs:
                    place(needed)
                plan.append((name, needs))

            for target in targets:
                place(target)
            self._plans[targets] = plan
        return plan

    def run(self, inputs: Optional[Dict[Text, Any]] = None, targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = tuple(targets if targets else self._graph_schema.target_names)
        # As with dask, an input is a (name, value) pair; a missing one is passed as its name.
        results: Dict[Text, Any] = {name: (name, value) for name, value in (inputs or {}).items()}
        for name, needs in self._plan(run_targets):
            if name in results:  # given as an input: dask, too, uses the input instead of the node
                continue
            try:
                results[name] = self._instantiated_nodes[name](*(results.get(need, need) for need in needs))
            except RuntimeError as error:
                raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)


# The processor loads every model (rasa run, rasa shell, rasa test) with this runner.
rasa.core.processor.DaskGraphRunner = SequentialGraphRunner


# --- 4. Debug log arguments: not deep-copied when debug logs are off ----------------------------


def debug_logs_enabled() -> bool:
    """Whether Rasa's structlog loggers emit debug events (configured once per process)."""
    return structlog.get_config()["wrapper_class"].debug is not structlog._native._nop


class _CopyForDebugLogs(ModuleType):
    """The ``copy`` module as the modules below see it: ``deepcopy`` only when it is used.

    In these modules every ``copy.deepcopy`` is an argument of a ``structlogger.debug``
    call (tests/test_rasa_fixes.py checks the source), evaluated even when debug
    logs are off and then thrown away: events, parse data, states, several times
    per action, about 5% of a turn. With debug logs on, they are copied as before.
    """

    def __getattr__(self, name: Text) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Optional[Dict[int, Any]] = None) -> Any:
        return copy.deepcopy(value, memo) if debug_logs_enabled() else value


MODULES_COPYING_ONLY_FOR_DEBUG_LOGS = (rasa.core.processor, rasa.core.policies.rule_policy, rasa.core.actions.forms)
for _module in MODULES_COPYING_ONLY_FOR_DEBUG_LOGS:
    _module.copy = _CopyForDebugLogs("copy")


# --- 5. Endpoints (the action server): one kept-alive HTTP session instead of one per call -------

# Shorter than the action server's keep-alive (Sanic's default, 5 s), so that this side
# drops an idle connection first and never sends a request on one the server is closing.
KEEP_ALIVE_SECONDS = 2.0

_original_endpoint_session = EndpointConfig.session
_shared_sessions: "WeakKeyDictionary[asyncio.AbstractEventLoop, Dict[Any, aiohttp.ClientSession]]" = (
    WeakKeyDictionary()
)


def _endpoint_session(self: EndpointConfig) -> Any:
    """Rasa's endpoint session (same headers, authentication and timeout), kept per event loop.

    Rasa opens a new session, so a new connection, for every action call; the
    connection setups on both sides cost 20 citizens typing back to back 112 ->
    117 turns/s here. Outside an event loop Rasa's own session is used. The Rasa
    server closes them when it stops.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return _original_endpoint_session(self)
    auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"]) if self.basic_auth else None
    key = (tuple(sorted(self.headers.items())), auth)
    sessions = _shared_sessions.setdefault(loop, {})
    session = sessions.get(key)
    if session is None or session.closed:
        session = sessions[key] = aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEP_ALIVE_SECONDS),
            # The tracker sent with each call, encoded by ujson (Rasa's own dependency): same
            # JSON values as the standard encoder (a test compares them), about 4% of a turn less.
            json_serialize=ujson.dumps,
        )
    return nullcontext(session)  # `async with` gives the session and leaves it open


EndpointConfig.session = _endpoint_session


async def close_shared_sessions() -> None:
    """Closes this event loop's kept endpoint sessions (a later request opens a new one)."""
    for session in _shared_sessions.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


_original_close_resources = rasa.core.run.close_resources


async def _close_resources(app: Any, loop: asyncio.AbstractEventLoop) -> None:
    await _original_close_resources(app, loop)
    await close_shared_sessions()


# `rasa run` registers this after it has created the channels (which import this module).
rasa.core.run.close_resources = _close_resources


# --- 6. Dialogue states: computed once per unchanged tracker ------------------------------------

_original_states_for_tracker_history = Domain.states_for_tracker_history
_STATES_MEMO = "_bot_states_memo"


def _states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: Optional[Dict[Text, Any]] = None,
) -> List[State]:
    """Rasa's states of the tracker's history, remembered until the tracker gets an event.

    RulePolicy replays the whole conversation to compute these states twice for
    the first prediction after each message (once matching on the text, once on
    the intent) with nothing changed in between: an eighth of a turn is spent
    here. The states are kept on the tracker with its event count and last event
    (every change to a tracker adds an event) and handed out as copies, since
    callers edit them. Rasa computes them when anything differs.
    """
    if ignore_rule_only_turns:  # not RulePolicy's call: depends on rule_only_data too
        return _original_states_for_tracker_history(self, tracker, omit_unset_slots, True, rule_only_data)
    key = (id(self), omit_unset_slots, len(tracker.events), id(tracker.events[-1]) if tracker.events else None)
    memo = tracker.__dict__.get(_STATES_MEMO)
    if memo is None or memo[0] != key:
        memo = (key, _original_states_for_tracker_history(self, tracker, omit_unset_slots))
        tracker.__dict__[_STATES_MEMO] = memo
    return [{part: dict(sub_state) for part, sub_state in state.items()} for state in memo[1]]


Domain.states_for_tracker_history = _states_for_tracker_history
