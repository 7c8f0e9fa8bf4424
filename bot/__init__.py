"""Rasa-side code: NLU components, channels, stores, domain and endpoints."""
