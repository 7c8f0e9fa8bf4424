"""Custom Rasa graph components for Vietnamese as citizens type it."""

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Optional

import core.ranking
import core.text

# The components' own code and the shared normaliser and search they call.
_SOURCES = sorted(Path(__file__).parent.glob("*.py")) + [Path(core.text.__file__), Path(core.ranking.__file__)]


@lru_cache(maxsize=1)
def source_fingerprint() -> str:
    """Hash of that code: a change to it retrains the model."""
    digest = hashlib.sha256()
    for path in _SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


class SourceFingerprinted:
    """Mixin for this project's components: Rasa retrains when their code (or the shared
    normaliser and search) changes, not only when data or config does."""

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        return source_fingerprint()
