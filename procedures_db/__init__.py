"""Procedure catalogue and dossier-tracking store.

The bottom layer of the assistant: actions, NLU components and the HTTP API
depend on it; it depends on nothing of Rasa.
"""
