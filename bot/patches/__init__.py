"""Changes to Rasa 3.6 internals that remove repeated work, one module per change, installed explicitly.

Each patch keeps Rasa's behaviour (same results, same errors) and only saves
time; tests/test_patches.py compares each with Rasa's original. Nothing is
changed by importing this package or any Rasa-side module: the entry points
call :func:`install` once at start-up, before Rasa loads a model:

- ``python -m bot.rasa_server`` (the Rasa server of ``make run``, the stack and Docker),
- ``python -m bot <rasa command>`` (``make train``, ``make validate``, ``rasa test`` in ``make test``),
- the evaluation and benchmark tools that load a model in their own process.

Each patch names the Rasa versions it was written for (``RASA_VERSIONS``); on
any other version :func:`install` refuses to start with :class:`PatchRefused`
(nothing is installed) instead of rebinding internals that may have changed.
``RASA_PATCHES=off`` runs Rasa unpatched, for instance to tell whether a
problem comes from a patch. What that costs, measured by ``python -m
tools.patches_bench`` (the same 49 turns of make bench's conversations through
two agents in one process, the real action server and tracker store, median of
5 alternating rounds, 2 shared cores): Rasa's CPU per turn 12.7 ms with the
patches, 59.7 ms without (+372%; about 4.7 times fewer turns per second per
Rasa process).
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType
from typing import List

from core.settings import current as settings

logger = logging.getLogger(__name__)

SETTING = "RASA_PATCHES"

# In the order they are installed (uninstalled in reverse).
PATCH_MODULES = (
    "bot.patches.action_response_validation",
    "bot.patches.event_type_lookup",
    "bot.patches.sequential_graph_runner",
    "bot.patches.debug_log_copies",
    "bot.patches.endpoint_sessions",
    "bot.patches.remembered_dialogue_states",
)

_ON = ("", "on", "1", "true", "yes")
_OFF = ("off", "0", "false", "no")


class PatchRefused(RuntimeError):
    """A patch was not written for the installed Rasa: Rasa's internals it replaces may have changed."""


def enabled() -> bool:
    """``RASA_PATCHES``: on (the default) or off."""
    value = settings().raw(SETTING).lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise ValueError(f"{SETTING} must be 'on' or 'off', not {value!r}")


def patch_modules() -> List[ModuleType]:
    return [importlib.import_module(name) for name in PATCH_MODULES]


def check_rasa_version(patch: ModuleType) -> None:
    """Refuses ``patch`` unless the installed Rasa is one of its ``RASA_VERSIONS``."""
    import rasa
    from packaging.specifiers import SpecifierSet

    if rasa.__version__ not in SpecifierSet(patch.RASA_VERSIONS):
        raise PatchRefused(
            f"{patch.__name__} was written for Rasa {patch.RASA_VERSIONS}, and this is Rasa {rasa.__version__}: "
            f"check it against this Rasa's code (tests/test_patches.py compares each patch with Rasa's "
            f"original), then widen its RASA_VERSIONS; or start with {SETTING}=off to run Rasa unpatched."
        )


def install() -> List[str]:
    """Installs every patch (once; again is a no-op) unless ``RASA_PATCHES=off``; returns their names.

    The versions are checked for all patches before any is installed: a refusal
    leaves Rasa as it is.
    """
    if not enabled():
        logger.info("%s=off: Rasa runs without this project's patches", SETTING)
        return []
    patches = patch_modules()
    for patch in patches:
        check_rasa_version(patch)
    for patch in patches:
        patch.install()
    return [patch.__name__ for patch in patches]


def uninstall() -> None:
    """Gives Rasa back its own code (tests, the in-process benchmark)."""
    for patch in reversed(patch_modules()):
        patch.uninstall()


def installed() -> List[str]:
    """The names of the patches installed in this process."""
    return [patch.__name__ for patch in patch_modules() if patch.is_installed()]
