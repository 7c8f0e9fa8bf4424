"""The conversations' database and Rasa's ``events`` table, without Rasa.

The Rasa server's tracker store (bot/stores/tracker_store.py, Rasa's SQLTrackerStore)
and the retention job (bot/retention.py) use the same database:
``TRACKER_STORE_URL`` (PostgreSQL in production, shared by all Rasa replicas),
else the SQLite file ``TRACKER_DB`` (default ``var/tracker.db``). Importing
Rasa to reach its table costs seconds and hundreds of MB (560 MB for the
retention job); the columns that job needs are declared here instead.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from core.settings import REPO_ROOT, current

DEFAULT_TRACKER_DB = REPO_ROOT / "var" / "tracker.db"

# The columns of Rasa's SQLTrackerStore table that retention reads (Rasa creates the table).
EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))


def tracker_store_url() -> str:
    """TRACKER_STORE_URL, else the SQLite file TRACKER_DB (its folder created)."""
    settings = current()
    url = settings.raw("TRACKER_STORE_URL")
    if url:
        return "postgresql://" + url[len("postgres://") :] if url.startswith("postgres://") else url
    path = Path(settings.raw("TRACKER_DB") or DEFAULT_TRACKER_DB)
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"
