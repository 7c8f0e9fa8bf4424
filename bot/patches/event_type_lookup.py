"""Event types: looked up once, not by walking every Event subclass for each event read.

Rasa's ``Event.resolve_by_type`` walks the whole Event class tree (about 30
classes, with ``inspect`` calls) for every event it reads back from the tracker
store or an action server: half of the SQL tracker store's retrieve time. Here
the classes found are remembered; misses go to Rasa's lookup unchanged (same
default, same error).
"""

from __future__ import annotations

from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event

RASA_VERSIONS = "==3.6.21"

original_resolve_by_type = Event.resolve_by_type
_event_classes: Dict[Text, Type[Event]] = {}


def resolve_event_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    """Rasa's ``Event.resolve_by_type`` with the found classes remembered."""
    found = _event_classes.get(type_name)
    if found is None:
        found = original_resolve_by_type(type_name, default)
        if found is not None and found is not default:
            _event_classes[type_name] = found
    return found


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_event_type)


def uninstall() -> None:
    Event.resolve_by_type = staticmethod(original_resolve_by_type)


def is_installed() -> bool:
    return Event.resolve_by_type is resolve_event_type
