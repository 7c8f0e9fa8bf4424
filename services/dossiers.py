"""Dossier use cases shared by the actions, the HTTP API and the coming staff console.

The status lookup with its owner check and lock-out (the chat), the upsert of a
pushed record (the API, the importers go through the store's savepoint), the
staff views of dossiers and locks. The work is done by the store
(``procedures_db/dossiers.py``, ``procedures_db/lookup_locks.py``); this is the
one door the layers above use, so that they never reach into the store.
"""

from __future__ import annotations

from procedures_db.dossiers import DossierView, HistoryEntry, dossier_to_json, get_dossier, upsert_dossier
from procedures_db.lookup_locks import LockoutPolicy, LookupOutcome, list_locks, lock_state, unlock, verify_with_lockout

__all__ = [
    "DossierView",
    "HistoryEntry",
    "LockoutPolicy",
    "LookupOutcome",
    "dossier_to_json",
    "get_dossier",
    "list_locks",
    "lock_state",
    "unlock",
    "upsert_dossier",
    "verify_with_lockout",
]
