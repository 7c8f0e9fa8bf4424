"""Hand-over requests to staff and citizens' feedback, recorded for staff and analytics."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from procedures_db.models import Feedback, HandoffRequest

MAX_COMMENT = 2000
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


def _reference(now: datetime) -> str:
    suffix = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(5))
    return f"YC-{now:%y%m%d}-{suffix}"


def create_handoff(
    session: Session,
    sender_id: str,
    channel: str | None = None,
    procedure_code: str | None = None,
    summary: str | None = None,
) -> HandoffRequest:
    """Record that a citizen asked for a person; returns the request with its reference."""
    request = HandoffRequest(
        reference=_reference(datetime.now(timezone.utc)),
        sender_id=sender_id,
        channel=channel,
        procedure_code=procedure_code,
        summary=(summary or "")[:MAX_COMMENT] or None,
    )
    session.add(request)
    session.flush()
    return request


def list_handoffs(session: Session, status: str | None = "open", limit: int = 100) -> list[HandoffRequest]:
    query = select(HandoffRequest).order_by(HandoffRequest.created_at.desc()).limit(limit)
    if status:
        query = query.where(HandoffRequest.status == status)
    return list(session.scalars(query))


def handoff_to_json(request: HandoffRequest) -> dict:
    return {
        "reference": request.reference,
        "sender_id": request.sender_id,
        "channel": request.channel,
        "procedure_code": request.procedure_code,
        "summary": request.summary,
        "status": request.status,
        "created_at": request.created_at.isoformat() if request.created_at else None,
    }


def save_feedback(
    session: Session,
    rating: int | None,
    comment: str | None,
    sender_id: str | None = None,
    channel: str | None = None,
    about: str = "service",
    procedure_code: str | None = None,
) -> Feedback:
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError("rating must be between 1 and 5")
    feedback = Feedback(
        rating=rating,
        comment=(comment or "").strip()[:MAX_COMMENT] or None,
        sender_id=sender_id,
        channel=channel,
        about=about,
        procedure_code=procedure_code,
    )
    session.add(feedback)
    session.flush()
    return feedback


COMPLAINT = "complaint"  # Feedback.about of a complaint (khiếu nại, phản ánh, kiến nghị)
COMPLAINT_PREFIX = "[complaint] "  # the hand-over summary of a complaint, for staff's queue


def save_complaint(
    session: Session,
    text: str,
    sender_id: str,
    channel: str | None = None,
    procedure_code: str | None = None,
) -> str:
    """Record a complaint: kept as feedback about "complaint" (no rating) and queued for staff as a
    hand-over with a reference, which is returned (the citizen quotes it)."""
    request = create_handoff(session, sender_id, channel, procedure_code, COMPLAINT_PREFIX + (text or "").strip())
    save_feedback(
        session, None, text, sender_id=sender_id, channel=channel, about=COMPLAINT, procedure_code=procedure_code
    )
    return request.reference


def feedback_summary(session: Session) -> dict:
    """Count and average rating, for the staff API and reports."""
    count, average = session.execute(select(func.count(Feedback.id), func.avg(Feedback.rating))).one()
    return {"count": count, "average_rating": round(float(average), 2) if average is not None else None}


@dataclass
class RequestPurge:
    handoffs: int = 0  # deleted
    feedback: int = 0  # rating kept, sender id and comment removed


def purge_service_requests(
    session: Session, days: int, now: datetime | None = None, dry_run: bool = False
) -> RequestPurge:
    """Hand-overs older than ``days`` deleted; older feedback keeps only its rating, topic and date.

    Staff work from a hand-over for days, not months; feedback statistics need the
    ratings longer, but not who gave them nor what they typed.
    """
    if days < 1:
        raise ValueError("the retention must be at least 1 day")
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    return _purge(session, HandoffRequest.created_at < cutoff, Feedback.created_at < cutoff, dry_run)


def forget_sender(session: Session, sender_id: str) -> RequestPurge:
    """A citizen's deletion request: their hand-overs deleted, their feedback made anonymous."""
    return _purge(session, HandoffRequest.sender_id == sender_id, Feedback.sender_id == sender_id, False)


def _purge(session: Session, handoffs, feedback, dry_run: bool) -> RequestPurge:
    feedback = and_(feedback, or_(Feedback.sender_id.is_not(None), Feedback.comment.is_not(None)))
    if dry_run:
        return RequestPurge(
            session.scalar(select(func.count(HandoffRequest.id)).where(handoffs)),
            session.scalar(select(func.count(Feedback.id)).where(feedback)),
        )
    bulk = {"synchronize_session": False}  # rows are not loaded in this session
    return RequestPurge(
        session.execute(delete(HandoffRequest).where(handoffs).execution_options(**bulk)).rowcount,
        session.execute(
            update(Feedback).where(feedback).values(sender_id=None, comment=None).execution_options(**bulk)
        ).rowcount,
    )
