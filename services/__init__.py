"""Use cases shared by the actions, the HTTP API, the NLU's entity linker and the coming staff console.

They call the store (``procedures_db``) and the pure helpers (``core``); nothing
here knows Rasa or HTTP. Callers open the transaction with
``procedures_db.db.session_scope`` and pass its session.
"""
