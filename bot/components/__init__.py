"""Custom Rasa graph components for Vietnamese as citizens type it."""
import hashlib
from pathlib import Path

import procedures_db.text

_SOURCES = sorted(Path(__file__).parent.glob("*.py")) + [Path(procedures_db.text.__file__)]


def source_fingerprint() -> str:
    """Hash of the components' and the normaliser's code: a change retrains the model."""
    digest = hashlib.sha256()
    for path in _SOURCES:
        digest.update(path.read_bytes())
    return digest.hexdigest()
