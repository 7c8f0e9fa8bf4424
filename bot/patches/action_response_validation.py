"""Action server responses: the schema compiled once, each event checked against its own type only.

``jsonschema.validate`` re-validates the (large) event schema on every call:
65 ms of the Rasa server's CPU per custom action, two thirds of a whole turn
(cProfile over 150 turns). Compiled once, each event still went through all
23 ``oneOf`` branches (about 2 ms per response); now only through its own
type's. An invalid response is validated again against Rasa's full schema,
so the error raised is Rasa's.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.utils.schemas.events import EVENT_SCHEMA

RASA_VERSIONS = "==3.6.21"

original_validate_action_result = RemoteAction._validate_action_result


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
    return _compiled(
        {**schema, "properties": {**schema["properties"], "events": {"type": "array", "items": event_shape}}}
    )


@lru_cache(maxsize=None)
def _event_validator(event_type: Text):
    """EVENT_SCHEMA with only the ``oneOf`` branches for ``event_type``; None if there are none.

    A branch pins ``event`` with ``const``, so a branch for another type can never
    match: "exactly one of these" is "exactly one of all".
    """
    branches = [b for b in EVENT_SCHEMA["oneOf"] if b.get("properties", {}).get("event", {}).get("const") == event_type]
    return _compiled({**EVENT_SCHEMA, "oneOf": branches}) if branches else None


def is_valid_action_response(result: Dict[Text, Any]) -> bool:
    if not _response_shape_validator().is_valid(result):
        return False
    for event in result.get("events") or []:
        validator = _event_validator(event["event"])
        if validator is None or not validator.is_valid(event):
            return False
    return True


def validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's check of an action server response, without re-checking the schema each time."""
    if is_valid_action_response(result):
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


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result


def uninstall() -> None:
    RemoteAction._validate_action_result = original_validate_action_result


def is_installed() -> bool:
    return RemoteAction._validate_action_result is validate_action_result
