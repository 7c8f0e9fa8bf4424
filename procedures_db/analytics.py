"""Rows behind the staff console's analytics: Rasa's stored conversation events, hand-overs, ratings, lock-outs.

The conversations are in Rasa's tracker store (``TRACKER_STORE_URL``, else the
SQLite file ``TRACKER_DB``): its ``events`` table is read here with the few
columns needed, without Rasa (like ``bot/stores/tracker_database.py``, which
this layer may not import). Everything else is in the store. The figures
themselves (days, channels, shares) are made by ``services/analytics.py``.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session

from core.settings import REPO_ROOT
from core.settings import current as settings
from procedures_db.models import DossierLookupLock, Feedback, HandoffRequest

# Rasa's SQLTrackerStore table: the columns read here (Rasa creates the table).
EVENTS = sa.table(
    "events",
    sa.column("sender_id"),
    sa.column("type_name"),
    sa.column("timestamp"),
    sa.column("action_name"),
    sa.column("intent_name"),
    sa.column("id"),
    sa.column("data"),
)
DOSSIER_LOOKUP_ACTION = "action_dossier_status"  # actions/dossier_status.py: one run per look-up answered


def tracker_url() -> str:
    """TRACKER_STORE_URL, else the SQLite file TRACKER_DB (as bot/stores/tracker_database.py reads them)."""
    config = settings()
    url = config.raw("TRACKER_STORE_URL")
    if url:
        return "postgresql://" + url[len("postgres://") :] if url.startswith("postgres://") else url
    path = Path(config.raw("TRACKER_DB") or REPO_ROOT / "var" / "tracker.db")
    return f"sqlite:///{path}"


@lru_cache(maxsize=4)
def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        return sa.create_engine(url, future=True, connect_args={"check_same_thread": False, "timeout": 30})
    return sa.create_engine(url, future=True, pool_pre_ping=True, pool_size=2, max_overflow=2)


def tracker_events(start: datetime, end: datetime, url: str | None = None) -> Iterator[tuple[str, str, float, str]]:
    """(sender_id, type_name, timestamp, action_name) of citizens' messages and dossier look-ups in [start, end).

    Nothing (not an error) when the conversations' database or its table does not exist yet.
    """
    url = url or tracker_url()
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).is_file():
        return
    query = (
        sa.select(EVENTS.c.sender_id, EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.action_name)
        .where(EVENTS.c.timestamp >= start.timestamp(), EVENTS.c.timestamp < end.timestamp())
        .where(
            sa.or_(
                EVENTS.c.type_name == "user",
                sa.and_(EVENTS.c.type_name == "action", EVENTS.c.action_name == DOSSIER_LOOKUP_ACTION),
            )
        )
    )
    try:
        with _engine(url).connect() as connection:
            for row in connection.execute(query).yield_per(5000):
                yield row[0], row[1], float(row[2]), row[3]
    except (OperationalError, ProgrammingError) as exc:
        if "events" in str(exc) and ("no such table" in str(exc) or "does not exist" in str(exc)):
            return
        raise


# The turn outcomes of services/analytics.py read these events: the citizens' messages, the actions
# run, and the slots that say the assistant asked back or handed over.
TURN_SLOTS = ("pending_question", "suggested_intent", "handoff_reference", "procedure_code")


def turn_events(start: datetime, end: datetime, url: str | None = None) -> Iterator[tuple]:
    """(sender_id, type_name, timestamp, intent_name, action_name, data) of the citizens' messages, the actions
    run and the slots set in [start, end), per conversation in the order stored; ``data`` parsed for messages
    and slots only (None otherwise). Nothing when the conversations' database does not exist yet.
    """
    url = url or tracker_url()
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).is_file():
        return
    query = (
        sa.select(
            EVENTS.c.sender_id,
            EVENTS.c.type_name,
            EVENTS.c.timestamp,
            EVENTS.c.intent_name,
            EVENTS.c.action_name,
            EVENTS.c.data,
        )
        .where(EVENTS.c.timestamp >= start.timestamp(), EVENTS.c.timestamp < end.timestamp())
        .where(EVENTS.c.type_name.in_(("user", "action", "slot")))
        .order_by(EVENTS.c.sender_id, EVENTS.c.id)
    )
    try:
        with _engine(url).connect() as connection:
            for sender_id, type_name, timestamp, intent, action, data in connection.execute(query).yield_per(5000):
                parsed = None
                if type_name in ("user", "slot") and data:
                    try:
                        parsed = json.loads(data)
                    except ValueError:
                        parsed = None
                    if type_name == "slot" and (not isinstance(parsed, dict) or parsed.get("name") not in TURN_SLOTS):
                        continue
                yield sender_id, type_name, float(timestamp), intent, action, parsed
    except (OperationalError, ProgrammingError) as exc:
        if "events" in str(exc) and ("no such table" in str(exc) or "does not exist" in str(exc)):
            return
        raise


def handoffs_between(session: Session, start: datetime, end: datetime) -> list[tuple[datetime, str | None, str]]:
    """(created_at, channel, summary) of the hand-overs (complaints included) made in [start, end)."""
    rows = session.execute(
        sa.select(HandoffRequest.created_at, HandoffRequest.channel, HandoffRequest.summary).where(
            HandoffRequest.created_at >= start, HandoffRequest.created_at < end
        )
    )
    return [(row[0], row[1], row[2] or "") for row in rows]


def ratings_between(session: Session, start: datetime, end: datetime) -> list[tuple[datetime, str | None, int]]:
    """(created_at, channel, rating) of the 1–5 ratings given in [start, end)."""
    rows = session.execute(
        sa.select(Feedback.created_at, Feedback.channel, Feedback.rating).where(
            Feedback.rating.is_not(None), Feedback.created_at >= start, Feedback.created_at < end
        )
    )
    return [(row[0], row[1], int(row[2])) for row in rows]


def lockouts_between(session: Session, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """(time of its last failure, lock-outs so far) of each dossier code locked out, last failing in [start, end)."""
    rows = session.execute(
        sa.select(DossierLookupLock.last_failure_at, DossierLookupLock.lockouts).where(
            DossierLookupLock.lockouts > 0,
            DossierLookupLock.last_failure_at >= start,
            DossierLookupLock.last_failure_at < end,
        )
    )
    return [(row[0], int(row[1])) for row in rows]
