"""Hand-over requests to staff and citizens' feedback, recorded for staff and analytics."""
from __future__ import annotations

import secrets
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from procedures_db.models import Feedback, HandoffRequest

MAX_COMMENT = 2000
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out on the phone


def _reference(now: datetime) -> str:
    suffix = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(5))
    return f"YC-{now:%y%m%d}-{suffix}"


def create_handoff(
    session: Session, sender_id: str, channel: str | None = None,
    procedure_code: str | None = None, summary: str | None = None,
) -> HandoffRequest:
    """Record that a citizen asked for a person; returns the request with its reference."""
    request = HandoffRequest(
        reference=_reference(datetime.now(timezone.utc)), sender_id=sender_id, channel=channel,
        procedure_code=procedure_code, summary=(summary or "")[:MAX_COMMENT] or None,
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
        "reference": request.reference, "sender_id": request.sender_id, "channel": request.channel,
        "procedure_code": request.procedure_code, "summary": request.summary, "status": request.status,
        "created_at": request.created_at.isoformat() if request.created_at else None,
    }


def save_feedback(
    session: Session, rating: int | None, comment: str | None, sender_id: str | None = None,
    channel: str | None = None, about: str = "service", procedure_code: str | None = None,
) -> Feedback:
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError("rating must be between 1 and 5")
    feedback = Feedback(
        rating=rating, comment=(comment or "").strip()[:MAX_COMMENT] or None, sender_id=sender_id,
        channel=channel, about=about, procedure_code=procedure_code,
    )
    session.add(feedback)
    session.flush()
    return feedback


def feedback_summary(session: Session) -> dict:
    """Count and average rating, for the staff API and reports."""
    count, average = session.execute(select(func.count(Feedback.id), func.avg(Feedback.rating))).one()
    return {"count": count, "average_rating": round(float(average), 2) if average is not None else None}
