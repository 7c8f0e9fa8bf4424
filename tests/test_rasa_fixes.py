"""The patched action-response validation still accepts valid and rejects invalid responses."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

import bot  # noqa: F401  (installs the fixes)
from bot.rasa_fixes import _validate_action_result


def test_rasa_uses_the_patched_validation():
    assert RemoteAction._validate_action_result is _validate_action_result


def test_valid_response_passes():
    response = {"events": [{"event": "slot", "name": "procedure_code", "value": "1.001193"}],
                "responses": [{"text": "Dạ"}]}
    assert RemoteAction("action_x", None)._validate_action_result(response)


@pytest.mark.parametrize("response", [
    {"events": [{"name": "procedure_code"}]},  # an event without its type
    {"events": "not a list"},
])
def test_invalid_response_is_rejected_with_rasa_message(response):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_x", None)._validate_action_result(response)
