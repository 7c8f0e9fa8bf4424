"""Debug log arguments: not deep-copied when debug logs are off.

In the modules below every ``copy.deepcopy`` is an argument of a
``structlogger.debug`` call (tests/test_patches.py checks their source),
evaluated even when debug logs are off and then thrown away: events, parse
data, states, several times per action, about 5% of a turn. Those modules get
a ``copy`` module whose ``deepcopy`` copies only when debug logs are on.
"""

from __future__ import annotations

import copy
from types import ModuleType
from typing import Any, Dict, Optional, Text

import rasa.core.actions.forms
import rasa.core.policies.rule_policy
import rasa.core.processor
import structlog

RASA_VERSIONS = "==3.6.21"

MODULES_COPYING_ONLY_FOR_DEBUG_LOGS = (rasa.core.processor, rasa.core.policies.rule_policy, rasa.core.actions.forms)


def debug_logs_enabled() -> bool:
    """Whether Rasa's structlog loggers emit debug events (configured once per process)."""
    return structlog.get_config()["wrapper_class"].debug is not structlog._native._nop


class CopyForDebugLogs(ModuleType):
    """The ``copy`` module as the modules above see it: ``deepcopy`` only when it is used."""

    def __getattr__(self, name: Text) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Optional[Dict[int, Any]] = None) -> Any:
        return copy.deepcopy(value, memo) if debug_logs_enabled() else value


_COPY_FOR_DEBUG_LOGS = CopyForDebugLogs("copy")


def install() -> None:
    for module in MODULES_COPYING_ONLY_FOR_DEBUG_LOGS:
        module.copy = _COPY_FOR_DEBUG_LOGS


def uninstall() -> None:
    for module in MODULES_COPYING_ONLY_FOR_DEBUG_LOGS:
        module.copy = copy


def is_installed() -> bool:
    return all(module.copy is _COPY_FOR_DEBUG_LOGS for module in MODULES_COPYING_ONLY_FOR_DEBUG_LOGS)
