"""Rasa's SQL tracker store, chosen by the environment, that stores no personal data.

``bot/endpoints.yml``::

    tracker_store:
      type: bot.tracker_store.RedactingTrackerStore

The database is ``TRACKER_STORE_URL`` (PostgreSQL in production, shared by all
Rasa replicas, e.g. ``postgresql://rasa:secret@db:5432/assistant``), else the
SQLite file ``TRACKER_DB`` (default ``var/tracker.db``): CONTRACTS.md. The
table is Rasa's own ``events`` (``bot/retention.py`` deletes old conversations).

What is written is redacted (``procedures_db.privacy``): the text of user and
bot messages and of ``parse_data``, entity values (``dossier_code`` entirely),
metadata, and slot values (``phone_last4`` entirely). The live conversation is
untouched: the NLU and the actions see what the citizen typed, only the stored
copy is redacted. Two slots are stored as they are because the dialogue needs
them on the next turn (:data:`KEPT_SLOTS`); the dossier actions clear
``dossier_code`` as soon as the lookup is done.

Database work runs in a worker thread, so a slow or unreachable database stalls
one conversation, not the whole server; errors are recorded for the channel
(:func:`watch_store_errors`) so that it can answer the citizen politely.
"""
from __future__ import annotations

import bot.rasa_fixes  # noqa: F401  (every Rasa-side module installs the fixes to Rasa internals)

import asyncio
import json
import logging
import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Text

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, is_postgresql_url
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from procedures_db.privacy import DOSSIER_CODE, LAST_DIGITS, redact, redact_digits, redact_value

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TRACKER_DB = REPO_ROOT / "var" / "tracker.db"

# Entities whose value is personal data: stored as the placeholder.
SENSITIVE_ENTITIES: Dict[str, str] = {"dossier_code": DOSSIER_CODE}
# Slots whose value is personal data: stored as the placeholder (None stays None).
SENSITIVE_SLOTS: Dict[str, str] = {"phone_last4": LAST_DIGITS}
# Slots the dialogue reads on a later turn: stored unchanged. dossier_code lives
# from the code's message to the digits' message, then action_dossier_status
# clears it; locked_dossier_codes must survive for the lock to hold.
KEPT_SLOTS = frozenset({"dossier_code", "locked_dossier_codes"})
# A message answering the form's request for one of these slots is digits only
# personal data: every run of 3+ digits in it is replaced.
DIGIT_ANSWER_SLOTS: Dict[str, str] = {"phone_last4": LAST_DIGITS}
REQUESTED_SLOT = "requested_slot"
CONNECT_TIMEOUT_SECONDS = int(os.environ.get("TRACKER_DB_CONNECT_TIMEOUT", "5"))

_store_errors: ContextVar[Optional[List[BaseException]]] = ContextVar("tracker_store_errors", default=None)


@contextmanager
def watch_store_errors() -> Iterator[List[BaseException]]:
    """Collects the database errors of the tracker store while a message is handled.

    Rasa wraps every tracker store in a ``FailSafeTrackerStore`` that swallows
    errors (the turn then runs on an empty, unsaved tracker); the channel uses
    this to know that happened and to tell the citizen to try again.
    """
    errors: List[BaseException] = []
    token = _store_errors.set(errors)
    try:
        yield errors
    finally:
        _store_errors.reset(token)


def _record_error(error: BaseException) -> None:
    errors = _store_errors.get()
    if errors is not None:
        errors.append(error)


def tracker_store_url() -> str:
    """TRACKER_STORE_URL, else the SQLite file TRACKER_DB (CONTRACTS.md)."""
    url = os.environ.get("TRACKER_STORE_URL", "").strip()
    if url:
        return "postgresql://" + url[len("postgres://"):] if url.startswith("postgres://") else url
    path = Path(os.environ.get("TRACKER_DB", "").strip() or DEFAULT_TRACKER_DB)
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def redact_event(data: Dict[Text, Any], answering_slot: Optional[Text] = None) -> Dict[Text, Any]:
    """The stored form of one serialised event (``Event.as_dict()``); ``data`` is not modified.

    ``answering_slot`` is the slot the form was asking for when a user message came.
    """
    event = data.get("event")
    out = dict(data)
    if "metadata" in out:
        out["metadata"] = redact_value(out["metadata"])
    if event in ("user", "bot"):
        rewrite = redact
        if event == "user" and answering_slot in DIGIT_ANSWER_SLOTS:
            placeholder = DIGIT_ANSWER_SLOTS[answering_slot]
            rewrite = lambda text: redact_digits(text, placeholder)  # noqa: E731
        if isinstance(out.get("text"), str):
            out["text"] = rewrite(out["text"])
        if "data" in out:
            out["data"] = redact_value(out["data"])
        if isinstance(out.get("parse_data"), dict):
            parse_data = dict(out["parse_data"])
            if isinstance(parse_data.get("text"), str):
                parse_data["text"] = rewrite(parse_data["text"])
            if isinstance(parse_data.get("entities"), list):
                parse_data["entities"] = [_redact_entity(e) for e in parse_data["entities"]]
            if "metadata" in parse_data:
                parse_data["metadata"] = redact_value(parse_data["metadata"])
            out["parse_data"] = parse_data
        if isinstance(out.get("entities"), list):
            out["entities"] = [_redact_entity(e) for e in out["entities"]]
    elif event == "slot":
        name, value = out.get("name"), out.get("value")
        if name in SENSITIVE_SLOTS and value is not None:
            out["value"] = SENSITIVE_SLOTS[name]
        elif name not in KEPT_SLOTS:
            out["value"] = redact_value(value)
    return out


def _redact_entity(entity: Any) -> Any:
    if not isinstance(entity, dict):
        return entity
    entity = dict(entity)
    if entity.get("entity") in SENSITIVE_ENTITIES:
        entity["value"] = SENSITIVE_ENTITIES[entity["entity"]]
        if "text" in entity:
            entity["text"] = SENSITIVE_ENTITIES[entity["entity"]]
    else:
        for key in ("value", "text"):
            if key in entity:
                entity[key] = redact_value(entity[key])
    return entity


def redacted_events(events: List[Event], start: int) -> List[Dict[Text, Any]]:
    """``events[start:]`` in stored form; the events before ``start`` give the form's state."""
    requested: Optional[Text] = None
    out = []
    for index, event in enumerate(events):
        if index >= start:
            out.append(redact_event(event.as_dict(), requested if isinstance(event, UserUttered) else None))
        if isinstance(event, SlotSet) and event.key == REQUESTED_SLOT:
            requested = event.value
        elif isinstance(event, (Restarted, SessionStarted)):
            requested = None
    return out


class _EventStatements:
    """Rasa's event queries (``SQLTrackerStore._event_query``), built once as Core statements.

    Rebuilding the ORM query on every retrieve and save was a third of the
    tracker store's time. Same rows: a sender's events by id, all of them or
    those since the latest ``session_started`` (all when there is none).
    """

    def __init__(self, events: sa.Table) -> None:
        of_sender = events.c.sender_id == sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(of_sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        in_current_session = sa.and_(of_sender, sa.or_(events.c.timestamp >= session_start, session_start.is_(None)))
        self.all_sessions = sa.select(events.c.data).where(of_sender).order_by(events.c.id)
        self.current_session = sa.select(events.c.data).where(in_current_session).order_by(events.c.id)
        self.count_current_session = sa.select(sa.func.count()).select_from(events).where(in_current_session)
        self.insert = sa.insert(events)


class RedactingTrackerStore(SQLTrackerStore):
    """SQLTrackerStore on TRACKER_STORE_URL / TRACKER_DB that redacts what it writes."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[Text] = None,
        event_broker: Optional[EventBroker] = None,
        url: Optional[Text] = None,
        **kwargs: Any,
    ) -> None:
        # `url` in endpoints.yml overrides the environment (tests, special set-ups).
        database_url = url or host or tracker_store_url()
        for ignored in ("dialect", "db", "username", "password", "port", "login_db", "query"):
            kwargs.pop(ignored, None)
        # Waits (retrying every 5 s) until the database answers and creates the table.
        super().__init__(domain=domain, host=database_url, event_broker=event_broker, **kwargs)
        if is_postgresql_url(database_url):
            # Rasa's engine has no pre-ping (a restarted database fails the first turn)
            # and no connect timeout (an unreachable host blocks for minutes).
            engine_kwargs = create_engine_kwargs(database_url)
            connect_args = dict(engine_kwargs.pop("connect_args", {}), connect_timeout=CONNECT_TIMEOUT_SECONDS)
            self._replace_engine(database_url, pool_pre_ping=True, connect_args=connect_args, **engine_kwargs)
        elif self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            # SQLAlchemy 1.4 opens and closes a file database's connection for every
            # statement (NullPool): a third of a save. Keep them, as SQLAlchemy 2.0 does;
            # the store's worker threads share the pool.
            self._replace_engine(database_url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False})
            # Write-ahead log (kept by the file): readers no longer wait for a writer, which
            # matters when several Rasa processes share the file (SANIC_WORKERS).
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        self._statements = _EventStatements(self.SQLEvent.__table__)
        logger.info("Tracker store: %s (redacted)", self.engine.url.render_as_string(hide_password=True))

    def _replace_engine(self, database_url: Text, **options: Any) -> None:
        """Rasa's engine made again with ``options`` (Rasa's start-up has created the table)."""
        self.engine.dispose()
        self.engine = sa.create_engine(database_url, **options)
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        return await self._in_thread(self._retrieve_sync, sender_id, False)

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._in_thread(self._retrieve_sync, conversation_id, True)

    async def keys(self) -> List[Text]:
        return await self._in_thread(self._keys_sync)

    async def save(self, tracker: DialogueStateTracker) -> None:
        await self.stream_events(tracker)  # no-op unless an event broker is configured
        await self._in_thread(self._save_sync, tracker)

    async def _in_thread(self, function, *args):
        try:
            # The context is copied into the thread: errors still reach watch_store_errors.
            return await asyncio.to_thread(function, *args)
        except Exception as error:
            _record_error(error)
            raise

    def _retrieve_sync(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        query = self._statements.all_sessions if all_sessions else self._statements.current_session
        with self.engine.connect() as connection:
            events = [json.loads(data) for data in connection.execute(query, {"sender_id": sender_id}).scalars()]
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None

    def _keys_sync(self) -> List[Text]:
        with self.session_scope() as session:
            return [sender_id for (sender_id,) in session.query(self.SQLEvent.sender_id).distinct().all()]

    def _save_sync(self, tracker: DialogueStateTracker) -> None:
        with self.engine.begin() as connection:
            # Same bookkeeping as Rasa's SQLTrackerStore: events of the current session
            # already stored are skipped (the lock store serialises a conversation's turns).
            stored = connection.execute(self._statements.count_current_session,
                                        {"sender_id": tracker.sender_id}).scalar_one()
            events = list(tracker.events)
            rows = [
                {
                    "sender_id": tracker.sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": ((data.get("parse_data") or {}).get("intent") or {}).get(INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                }
                for event, data in zip(events[stored:], redacted_events(events, stored))
            ]
            if rows:  # one multi-row INSERT: the ORM's unit of work was a third of a save
                connection.execute(self._statements.insert, rows)
