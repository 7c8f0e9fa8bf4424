"""Rasa's SQL tracker store, chosen by the environment, that stores no personal data.

``bot/endpoints.yml``::

    tracker_store:
      type: bot.stores.tracker_store.RedactingTrackerStore

The database is ``TRACKER_STORE_URL`` (PostgreSQL in production, shared by all
Rasa replicas, e.g. ``postgresql://rasa:secret@db:5432/assistant``), else the
SQLite file ``TRACKER_DB`` (default ``var/tracker.db``): docs/interfaces.md. The
table is Rasa's own ``events`` (``bot/retention.py`` deletes old conversations).

What is written is redacted (``core.redaction``): the text of user and
bot messages and of ``parse_data``, entity values (``PERSONAL_ENTITIES``:
``dossier_code`` and ``phone_last4`` entirely), metadata (:func:`~core.redaction.redact_metadata`:
values under personal keys hidden), and slot values (``phone_last4`` entirely).
The live conversation is untouched: the NLU and the actions see what the citizen
typed, only the stored copy is redacted. A slot value holding personal data that
the dialogue reads on a later turn (``dossier_code`` from the code's message to
the digits' message) is stored redacted *and* sealed: encrypted with a key derived
from ``PHONE_HASH_KEY`` (:class:`SlotSeal`), and restored when the conversation
is read back. No list of such slots: every slot whose value the rules would
change is sealed. Without the key the slot is stored redacted only (the
conversation then forgets it, as after a restart).

Database work runs in a worker thread, so a slow or unreachable database stalls
one conversation, not the whole server; errors are recorded for the channel
(:func:`watch_store_errors`) so that it can answer the citizen politely.

A turn that met a database error is never stored afterwards (:class:`TurnNotStored`):
Rasa's ``FailSafeTrackerStore`` runs a turn whose conversation could not be read
on a new, empty tracker, and the channel asks the citizen to send the message
again; were the database back for the turn's final save, that empty tracker's
events would be written after the real conversation's (a second session start,
the message the citizen then sends again). So: a failed read or save marks the
conversation for the rest of its task (the turn), and so does any entry in the
list of :func:`watch_store_errors` (a channel that gives up on a turn, e.g. on
its reply timeout, appends its reason there); the next successful read (the next
turn) clears the mark.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Text

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import sqlalchemy as sa
from sqlalchemy.orm import sessionmaker
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, is_postgresql_url
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, Restarted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.stores.tracker_database import tracker_store_url
from core.settings import current as settings
from core.redaction import (
    DIGIT_ANSWER_SLOTS,
    PERSONAL_ENTITIES,
    PERSONAL_SLOTS,
    redact,
    redact_digits,
    redact_metadata,
    redact_value,
)

logger = logging.getLogger(__name__)


# Key of a slot event's sealed value (the event's "value" holds the redacted form).
SEALED_KEY = "sealed_value"
REQUESTED_SLOT = "requested_slot"
CONNECT_TIMEOUT_SECONDS = int(settings().raw("TRACKER_DB_CONNECT_TIMEOUT") or "5")

_store_errors: ContextVar[Optional[List[BaseException]]] = ContextVar("tracker_store_errors", default=None)
# Conversations whose turn (the current task) met a database error: not saved.
_failed_conversations: ContextVar[FrozenSet[Text]] = ContextVar("tracker_store_failed", default=frozenset())


class TurnNotStored(Exception):
    """A turn that met a database error (or that the channel gave up on) is not stored."""


@contextmanager
def watch_store_errors() -> Iterator[List[BaseException]]:
    """Collects the database errors of the tracker store while a message is handled.

    Rasa wraps every tracker store in a ``FailSafeTrackerStore`` that swallows
    errors (the turn then runs on an empty, unsaved tracker); the channel uses
    this to know that happened and to tell the citizen to try again. While the
    list is not empty the turn is not stored: a channel that answers "try again"
    for a reason of its own (its reply timeout) appends that reason to it.
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


def _mark_failed(sender_id: Text) -> None:
    _failed_conversations.set(_failed_conversations.get() | {sender_id})


def _clear_failed(sender_id: Text) -> None:
    failed = _failed_conversations.get()
    if sender_id in failed:
        _failed_conversations.set(failed - {sender_id})


class SlotSeal:
    """Encrypts the slot values the dialogue needs on a later turn (Fernet: AES and HMAC).

    The key is derived from ``PHONE_HASH_KEY`` (already a secret of every process
    that reads the conversations), under a label of its own; without it nothing
    is sealed. Sealed values are hex: no run of digits the privacy scan could
    mistake for a phone number.
    """

    LABEL = b"tracker-store slot seal v1"

    def __init__(self, secret: Optional[str] = None) -> None:
        secret = settings().get("PHONE_HASH_KEY", "") if secret is None else secret
        self._fernet = None
        if secret:
            key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=self.LABEL).derive(secret.encode("utf-8"))
            self._fernet = Fernet(base64.urlsafe_b64encode(key))

    @property
    def enabled(self) -> bool:
        return self._fernet is not None

    def seal(self, value: Any) -> Optional[str]:
        if self._fernet is None:
            return None
        return self._fernet.encrypt(json.dumps(value).encode("utf-8")).hex()

    def unseal(self, sealed: Any) -> Any:
        """The value, or None when it cannot be read (key changed or missing)."""
        if self._fernet is None or not isinstance(sealed, str):
            return None
        try:
            return json.loads(self._fernet.decrypt(bytes.fromhex(sealed)))
        except (InvalidToken, ValueError):
            return None


def redact_event(
    data: Dict[Text, Any],
    answering_slot: Optional[Text] = None,
    seal: Optional[SlotSeal] = None,
) -> Dict[Text, Any]:
    """The stored form of one serialised event (``Event.as_dict()``); ``data`` is not modified.

    ``answering_slot`` is the slot the form was asking for when a user message came.
    A slot value with personal data is stored redacted, and sealed with ``seal``.
    """
    event = data.get("event")
    out = dict(data)
    if "metadata" in out:
        out["metadata"] = redact_metadata(out["metadata"])
    if event in ("user", "bot"):
        rewrite = redact
        if event == "user" and answering_slot in DIGIT_ANSWER_SLOTS:
            placeholder = DIGIT_ANSWER_SLOTS[answering_slot]
            rewrite = lambda text: redact_digits(text, placeholder)  # noqa: E731
        elif event == "user" and _is_bare_number(out.get("text")):
            # A message that is only a short number is most likely phone digits typed outside the
            # form (after a lock-out, or before the code): never stored, whatever the form's state.
            rewrite = redact_digits
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
                parse_data["metadata"] = redact_metadata(parse_data["metadata"])
            out["parse_data"] = parse_data
        if isinstance(out.get("entities"), list):
            out["entities"] = [_redact_entity(e) for e in out["entities"]]
    elif event == "slot":
        name, value = out.get("name"), out.get("value")
        out.pop(SEALED_KEY, None)
        if name in PERSONAL_SLOTS and value is not None:
            out["value"] = PERSONAL_SLOTS[name]
        else:
            out["value"] = redact_value(value)
            if out["value"] != value and seal is not None:
                sealed = seal.seal(value)
                if sealed is not None:
                    out[SEALED_KEY] = sealed
    return out


_BARE_NUMBER = re.compile(r"[\s.\-]{0,8}\d(?:[\s.\-]?\d){2,5}[\s.\-]{0,8}")


def _is_bare_number(text: Any) -> bool:
    """3 to 6 digits and nothing else (bounded, so linear on any input)."""
    return isinstance(text, str) and len(text) <= 40 and _BARE_NUMBER.fullmatch(text) is not None


def unseal_event(data: Dict[Text, Any], seal: SlotSeal) -> Dict[Text, Any]:
    """A stored event as the dialogue needs it: a sealed slot value restored (None if unreadable)."""
    if data.get("event") == "slot" and SEALED_KEY in data:
        data = dict(data)
        data["value"] = seal.unseal(data.pop(SEALED_KEY))
    return data


def _redact_entity(entity: Any) -> Any:
    if not isinstance(entity, dict):
        return entity
    entity = dict(entity)
    if entity.get("entity") in PERSONAL_ENTITIES:
        entity["value"] = PERSONAL_ENTITIES[entity["entity"]]
        if "text" in entity:
            entity["text"] = PERSONAL_ENTITIES[entity["entity"]]
    else:
        for key in ("value", "text"):
            if key in entity:
                entity[key] = redact_value(entity[key])
    return entity


def redacted_events(events: List[Event], start: int, seal: Optional[SlotSeal] = None) -> List[Dict[Text, Any]]:
    """``events[start:]`` in stored form; the events before ``start`` give the form's state."""
    requested: Optional[Text] = None
    out = []
    for index, event in enumerate(events):
        if index >= start:
            out.append(redact_event(event.as_dict(), requested if isinstance(event, UserUttered) else None, seal))
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

    engine: sa.engine.Engine  # Rasa's, replaced below

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
        self._seal = SlotSeal()
        if not self._seal.enabled:
            logger.warning(
                "PHONE_HASH_KEY is not set: slot values with personal data are stored redacted only "
                "(a dossier code is forgotten between turns)"
            )
        logger.info("Tracker store: %s (redacted)", self.engine.url.render_as_string(hide_password=True))

    def _replace_engine(self, database_url: Text, **options: Any) -> None:
        """Rasa's engine made again with ``options`` (Rasa's start-up has created the table)."""
        self.engine.dispose()
        self.engine = sa.create_engine(database_url, **options)
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        tracker = await self._in_thread(sender_id, self._retrieve_sync, sender_id, False)
        _clear_failed(sender_id)  # a new turn read the conversation: it may be stored again
        return tracker

    async def retrieve_full_tracker(self, conversation_id: Text) -> Optional[DialogueStateTracker]:
        return await self._in_thread(conversation_id, self._retrieve_sync, conversation_id, True)

    async def keys(self) -> List[Text]:
        return await self._in_thread(None, self._keys_sync)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if tracker.sender_id in _failed_conversations.get() or _store_errors.get():
            # The turn met a database error: the channel asks the citizen to send the
            # message again, and this tracker may not even be the conversation's (a
            # failed read gave Rasa an empty one). FailSafeTrackerStore keeps it in memory.
            raise TurnNotStored("a turn that met a tracker store error is not stored")
        await self.stream_events(tracker)  # no-op unless an event broker is configured
        await self._in_thread(tracker.sender_id, self._save_sync, tracker)

    async def _in_thread(self, sender_id: Optional[Text], function, *args):
        try:
            # The context is copied into the thread: errors still reach watch_store_errors.
            return await asyncio.to_thread(function, *args)
        except Exception as error:
            _record_error(error)
            if sender_id is not None:
                _mark_failed(sender_id)
            raise

    def _retrieve_sync(self, sender_id: Text, all_sessions: bool) -> Optional[DialogueStateTracker]:
        query = self._statements.all_sessions if all_sessions else self._statements.current_session
        with self.engine.connect() as connection:
            events = [json.loads(data) for data in connection.execute(query, {"sender_id": sender_id}).scalars()]
        events = [unseal_event(event, self._seal) for event in events]
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
            stored = connection.execute(
                self._statements.count_current_session, {"sender_id": tracker.sender_id}
            ).scalar_one()
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
                for event, data in zip(events[stored:], redacted_events(events, stored, self._seal))
            ]
            if rows:  # one multi-row INSERT: the ORM's unit of work was a third of a save
                connection.execute(self._statements.insert, rows)
