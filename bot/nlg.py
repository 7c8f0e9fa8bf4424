"""The domain's fixed replies, filled with the province's settings: ``{hotline}`` is SUPPORT_HOTLINE.

Rasa's own response filling (``TemplatedNaturalLanguageGenerator``) with the
settings as default values, so that a reply in ``bot/domain/`` never hard-codes a
number the province may change: the same hotline as the actions' answers and the
channels' fault replies (``core/settings.py``). A value an action passes, or a
slot of the same name, still wins. Configured in ``bot/endpoints.yml``
(``nlg: type: bot.nlg.SettingsResponses``).
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import EndpointConfig

from core.settings import current as settings


def settings_variables() -> Dict[Text, Any]:
    """The response variables every reply may use."""
    return {"hotline": settings().support_hotline}


class SettingsResponses(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        # Rasa builds the generator before the model (and its domain) is loaded, then sets `responses`.
        super().__init__(domain.responses if domain else {})

    def generate_from_slots(
        self, utter_action: Text, filled_slots: Dict[Text, Any], output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        variables = {**settings_variables(), **(filled_slots or {})}
        return super().generate_from_slots(utter_action, variables, output_channel, **kwargs)
