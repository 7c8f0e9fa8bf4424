"""Custom Rasa graph components for Vietnamese as citizens type it."""
import hashlib
from pathlib import Path

import procedures_db.search
import procedures_db.text

# The components' own code and the shared normaliser and search they call.
_SOURCES = sorted(Path(__file__).parent.glob("*.py")) + [
    Path(procedures_db.text.__file__), Path(procedures_db.search.__file__)
]


def source_fingerprint() -> str:
    """Hash of that code: a change to it retrains the model."""
    digest = hashlib.sha256()
    for path in _SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()
