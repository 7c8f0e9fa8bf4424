"""Fixes to Rasa 3.6 internals, in one place, each with the measurement that justifies it.

Imported by ``bot/__init__.py`` so that every process that loads any of this
project's Rasa code (the Rasa server, training, tests) gets them.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@lru_cache(maxsize=1)
def _action_response_validator():
    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    """Rasa's check of an action server response, with the schema checked once.

    ``jsonschema.validate`` re-validates the (large) event schema on every call:
    65 ms of the Rasa server's CPU per custom action, two thirds of a whole turn
    (measured with cProfile over 150 turns). The response is still validated
    against the same schema, with the same error.
    """
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
