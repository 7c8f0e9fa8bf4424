"""Live hand-over store: who holds a handed-over conversation, its messages both ways, the outbox to citizens.

A hand-over request (``handoff_requests``, recorded by the assistant) becomes a
``live_handovers`` row: waiting, held by one staff member, or handed back to the
assistant. ``handover_messages`` keeps what the citizen typed while staff held the
conversation and what staff (or the "nobody can answer now" notice) sent; the
messages to the citizen are an outbox that the Rasa replicas claim, send and mark
delivered. Complaint answers the queue stores as ``to_deliver`` go the same way.
Claims are single ``UPDATE … WHERE`` statements, so two replicas never send one
message twice. The conversation's earlier turns are read from Rasa's ``events``
table (already redacted by the tracker store), without Rasa.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional, Union

import sqlalchemy as sa
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from procedures_db.analytics import _engine, tracker_url
from procedures_db.models import HandoffRequest, HandoverMessage, LiveHandover, Procedure, StaffAccount, StaffCase

COMPLAINT_PREFIX = "[complaint] "  # procedures_db/service_requests.py marks a complaint's hand-over so
MAX_ATTEMPTS = 5


def aware(moment: Optional[datetime]) -> Optional[datetime]:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


# --- hand-overs ----------------------------------------------------------------------------


def new_handoffs(session: Session, since: datetime, limit: int = 200) -> list[HandoffRequest]:
    """Requests for a person (complaints excluded) made since ``since`` that have no live row yet."""
    known = select(LiveHandover.handoff_id)
    return list(
        session.scalars(
            select(HandoffRequest)
            .where(
                HandoffRequest.created_at >= since,
                HandoffRequest.id.not_in(known),
                or_(HandoffRequest.summary.is_(None), ~HandoffRequest.summary.startswith(COMPLAINT_PREFIX)),
            )
            .order_by(HandoffRequest.id)
            .limit(limit)
        )
    )


def add_live(session: Session, handoff: HandoffRequest) -> Optional[LiveHandover]:
    """The live row of ``handoff``; None when another process made it first."""
    try:
        with session.begin_nested():
            row = LiveHandover(
                handoff_id=handoff.id,
                conversation_id=handoff.sender_id,
                state="waiting",
                created_at=aware(handoff.created_at),
            )
            session.add(row)
    except IntegrityError:
        return None
    return row


def live_by_id(session: Session, live_id: int) -> Optional[LiveHandover]:
    return session.get(LiveHandover, live_id)


def handoff_of(session: Session, live: LiveHandover) -> Optional[HandoffRequest]:
    return session.get(HandoffRequest, live.handoff_id)


Reader = Union[Session, Connection]  # a session, or a bare connection for the per-message check

_HELD_ID = (
    select(LiveHandover.id)
    .where(LiveHandover.conversation_id == sa.bindparam("conversation_id"), LiveHandover.state == "held")
    .limit(1)
)


def held_id(db: Reader, conversation_id: str) -> Optional[int]:
    """The id of the hand-over held in this conversation, if any: the channels' check on every message,
    built once and run on a bare connection (a session and the ORM's rows cost 5 times more)."""
    return db.scalar(_HELD_ID, {"conversation_id": conversation_id})


def held(session: Session, conversation_id: str) -> Optional[LiveHandover]:
    """The hand-over a staff member holds in this conversation, if any."""
    return session.scalar(
        select(LiveHandover)
        .where(LiveHandover.conversation_id == conversation_id, LiveHandover.state == "held")
        .order_by(LiveHandover.id.desc())
        .limit(1)
    )


def open_in_conversation(session: Session, conversation_id: str) -> list[LiveHandover]:
    """The conversation's hand-overs not handed back yet (waiting or held)."""
    return list(
        session.scalars(
            select(LiveHandover).where(
                LiveHandover.conversation_id == conversation_id, LiveHandover.state != "returned"
            )
        )
    )


def overdue(session: Session, created_before: datetime, limit: int = 200) -> list[LiveHandover]:
    """Waiting hand-overs older than ``created_before`` whose citizen was not told yet."""
    return list(
        session.scalars(
            select(LiveHandover)
            .where(
                LiveHandover.state == "waiting",
                LiveHandover.notice_sent_at.is_(None),
                LiveHandover.created_at < created_before,
            )
            .limit(limit)
        )
    )


def mark_notice(session: Session, live_id: int, now: datetime) -> bool:
    """True for the one process that marks the notice as sent (the others leave it)."""
    done = session.execute(
        update(LiveHandover)
        .where(LiveHandover.id == live_id, LiveHandover.notice_sent_at.is_(None))
        .values(notice_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


@dataclass
class InboxRow:
    live: LiveHandover
    handoff: HandoffRequest
    staff_name: Optional[str]
    last_message_id: int
    messages: int


def inbox(session: Session, since: datetime, limit: int = 200) -> list[InboxRow]:
    """Live hand-overs still waiting or held, and those handed back since ``since``, newest first."""
    counts = (
        select(
            HandoverMessage.handover_id,
            func.max(HandoverMessage.id).label("last"),
            func.count(HandoverMessage.id).label("count"),
        )
        .group_by(HandoverMessage.handover_id)
        .subquery()
    )
    rows = session.execute(
        select(LiveHandover, HandoffRequest, StaffAccount.display_name, counts.c.last, counts.c.count)
        .join(HandoffRequest, HandoffRequest.id == LiveHandover.handoff_id)
        .outerjoin(StaffAccount, StaffAccount.id == LiveHandover.staff_id)
        .outerjoin(counts, counts.c.handover_id == LiveHandover.id)
        .where(or_(LiveHandover.state != "returned", LiveHandover.updated_at >= since))
        .order_by(LiveHandover.id.desc())
        .limit(limit)
    )
    return [InboxRow(row[0], row[1], row[2], int(row[3] or 0), int(row[4] or 0)) for row in rows]


def procedure_names(session: Session, codes: set) -> dict[str, str]:
    """Official names of the procedures with these codes (the procedure in context of a hand-over)."""
    if not codes:
        return {}
    return dict(session.execute(select(Procedure.code, Procedure.name).where(Procedure.code.in_(codes))).all())


def change_mark(session: Session) -> tuple:
    """Changes whenever a hand-over or a message is added or changes: what the console's stream watches."""
    live = session.execute(select(func.count(LiveHandover.id), func.max(LiveHandover.updated_at))).one()
    message = session.execute(select(func.max(HandoverMessage.id), func.count(HandoverMessage.delivered_at))).one()
    return (live[0], str(live[1]), message[0], message[1])


# --- messages ------------------------------------------------------------------------------


def add_message(
    session: Session,
    conversation_id: str,
    author: str,
    text: str,
    now: datetime,
    handover_id: Optional[int] = None,
    staff_id: Optional[int] = None,
    case_id: Optional[int] = None,
) -> HandoverMessage:
    message = HandoverMessage(
        conversation_id=conversation_id,
        handover_id=handover_id,
        author=author,
        text=text,
        staff_id=staff_id,
        case_id=case_id,
        created_at=now,
        attempts=0,
        failed=False,
    )
    session.add(message)
    session.flush()
    return message


def messages_of(session: Session, handover_id: int, after_id: int = 0) -> list[tuple[HandoverMessage, Optional[str]]]:
    """(message, staff member's display name) of a hand-over, oldest first."""
    rows = session.execute(
        select(HandoverMessage, StaffAccount.display_name)
        .outerjoin(StaffAccount, StaffAccount.id == HandoverMessage.staff_id)
        .where(HandoverMessage.handover_id == handover_id, HandoverMessage.id > after_id)
        .order_by(HandoverMessage.id)
    )
    return [(row[0], row[1]) for row in rows]


def outbox(session: Session, stale_before: datetime, limit: int = 100) -> list[HandoverMessage]:
    """Messages to citizens not delivered yet, unclaimed or claimed before ``stale_before``, oldest first."""
    return list(
        session.scalars(
            select(HandoverMessage)
            .where(
                HandoverMessage.delivered_at.is_(None),
                HandoverMessage.failed.is_(False),
                HandoverMessage.author != "citizen",
                or_(HandoverMessage.claimed_at.is_(None), HandoverMessage.claimed_at < stale_before),
            )
            .order_by(HandoverMessage.id)
            .limit(limit)
        )
    )


def claim(session: Session, message_id: int, replica: str, now: datetime, stale_before: datetime) -> bool:
    """True when this replica now owns the message (one UPDATE: two replicas never both win)."""
    done = session.execute(
        update(HandoverMessage)
        .where(
            HandoverMessage.id == message_id,
            HandoverMessage.delivered_at.is_(None),
            or_(HandoverMessage.claimed_at.is_(None), HandoverMessage.claimed_at < stale_before),
        )
        .values(claimed_by=replica[:64], claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def mark_delivered(session: Session, message_id: int, now: datetime) -> None:
    message = session.get(HandoverMessage, message_id)
    if message is None:
        return
    message.delivered_at = now
    if message.case_id is not None:
        case = session.get(StaffCase, message.case_id)
        if case is not None and case.answer_delivery == "sending":
            case.answer_delivery = "delivered"


def release(session: Session, message_id: int) -> bool:
    """A failed send: tried again later, given up after MAX_ATTEMPTS; True when given up."""
    message = session.get(HandoverMessage, message_id)
    if message is None:
        return False
    message.attempts = (message.attempts or 0) + 1
    message.claimed_by, message.claimed_at = None, None
    if message.attempts >= MAX_ATTEMPTS:
        message.failed = True
        if message.case_id is not None:
            case = session.get(StaffCase, message.case_id)
            if case is not None:
                case.answer_delivery = "failed"
    return bool(message.failed)


# --- complaint answers to deliver -------------------------------------------------------------


def answers_to_deliver(session: Session, limit: int = 100) -> list[tuple[StaffCase, HandoffRequest]]:
    """Answers the queue stored as ``to_deliver`` for a hand-over or complaint, with the request."""
    rows = session.execute(
        select(StaffCase, HandoffRequest)
        .join(HandoffRequest, and_(StaffCase.kind == "handoff", HandoffRequest.id == StaffCase.record_id))
        .where(StaffCase.answer_delivery == "to_deliver", StaffCase.answer.is_not(None))
        .order_by(StaffCase.id)
        .limit(limit)
    )
    return [(row[0], row[1]) for row in rows]


def mark_answer_sending(session: Session, case_id: int) -> bool:
    """True for the one process that queues the answer (``to_deliver`` → ``sending``)."""
    done = session.execute(
        update(StaffCase)
        .where(StaffCase.id == case_id, StaffCase.answer_delivery == "to_deliver")
        .values(answer_delivery="sending")
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def purge_messages(session: Session, cutoff: Optional[datetime] = None, conversation_id: Optional[str] = None) -> int:
    """Deletes the messages older than ``cutoff`` or of one conversation (those of a deleted hand-over
    request go with it already: the foreign keys cascade), and the live rows of that conversation."""
    condition = (
        HandoverMessage.created_at < cutoff
        if cutoff is not None
        else HandoverMessage.conversation_id == conversation_id
    )
    count = session.execute(
        sa.delete(HandoverMessage).where(condition).execution_options(synchronize_session=False)
    ).rowcount
    if conversation_id is not None:
        session.execute(
            sa.delete(LiveHandover)
            .where(LiveHandover.conversation_id == conversation_id)
            .execution_options(synchronize_session=False)
        )
    return count


# --- the conversation before the hand-over (Rasa's events table) ------------------------------

EVENTS = sa.table(
    "events",
    sa.column("id"),
    sa.column("sender_id"),
    sa.column("type_name"),
    sa.column("timestamp"),
    sa.column("data"),
)


def conversation_turns(conversation_id: str, limit: int = 40, url: str | None = None) -> list[tuple[str, str, float]]:
    """(who: citizen or assistant, text, timestamp) of the conversation's last ``limit`` messages, oldest first.

    Read from Rasa's tracker store, where personal data is already redacted. Nothing when the
    conversations' database or its table does not exist (yet).
    """
    url = url or tracker_url()
    if url.startswith("sqlite:///") and not Path(url[len("sqlite:///") :]).is_file():
        return []
    query = (
        sa.select(EVENTS.c.type_name, EVENTS.c.timestamp, EVENTS.c.data)
        .where(EVENTS.c.sender_id == conversation_id, EVENTS.c.type_name.in_(("user", "bot")))
        .order_by(EVENTS.c.id.desc())
        .limit(limit)
    )
    try:
        with _engine(url).connect() as connection:
            rows = list(connection.execute(query))
    except (OperationalError, ProgrammingError) as exc:
        if "events" in str(exc) and ("no such table" in str(exc) or "does not exist" in str(exc)):
            return []
        raise
    turns = []
    for type_name, timestamp, data in reversed(rows):
        try:
            text = (json.loads(data) if isinstance(data, str) else dict(data or {})).get("text")
        except (ValueError, TypeError):
            text = None
        if isinstance(text, str) and text.strip():
            turns.append(("citizen" if type_name == "user" else "assistant", text, float(timestamp or 0)))
    return turns
