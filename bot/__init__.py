"""Rasa-side code: NLU components, channels, stores, domain and endpoints."""
from bot import rasa_fixes  # noqa: F401  (patches Rasa internals; see the module)
