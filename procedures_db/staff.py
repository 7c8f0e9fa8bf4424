"""Staff console store: accounts, sessions, sign-in lock-out, the audit log and the complaints queue.

The queue is made of the rows the assistant already records (hand-over requests
and feedback, ``procedures_db/service_requests.py``), read here and never
changed: what staff do with a row (status, who handles it, the answer) lives in
``staff_cases`` beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Optional

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from procedures_db.models import (
    CASE_STATUSES,
    STAFF_ROLES,
    Feedback,
    HandoffRequest,
    StaffAccount,
    StaffAuditEntry,
    StaffCase,
    StaffLoginThrottle,
    StaffSession,
)

CASE_KINDS = ("handoff", "feedback")
# How procedures_db/service_requests.py's save_complaint marks a complaint (khiếu nại, phản ánh, kiến
# nghị): a hand-over whose summary starts with this prefix (the citizen quotes its reference), and a
# copy as feedback about "complaint", which the queue leaves out (the hand-over stands for it).
COMPLAINT_PREFIX = "[complaint] "
COMPLAINT_ABOUT = "complaint"


def _feedback_in_queue():
    """Feedback that staff read: a comment, not the copy of a complaint."""
    return and_(Feedback.comment.is_not(None), or_(Feedback.about.is_(None), Feedback.about != COMPLAINT_ABOUT))


LOGIN_WINDOW = timedelta(minutes=15)
MAX_LOCK = timedelta(hours=24)


def _aware(moment: Optional[datetime]) -> Optional[datetime]:
    """SQLite gives back naive datetimes: they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment


# --- accounts ------------------------------------------------------------------------------


def add_account(
    session: Session, username: str, display_name: str, role: str, password_hash: str, commune: str | None = None
) -> StaffAccount:
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    account = StaffAccount(
        username=username, display_name=display_name, role=role, commune=commune, password_hash=password_hash
    )
    session.add(account)
    session.flush()
    return account


def account_by_username(session: Session, username: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.username == username))


def account_by_id(session: Session, account_id: int) -> StaffAccount | None:
    return session.get(StaffAccount, account_id)


def list_accounts(session: Session) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).order_by(StaffAccount.username)))


def count_admins(session: Session) -> int:
    return session.scalar(
        select(func.count(StaffAccount.id)).where(StaffAccount.role == "province_admin", StaffAccount.active.is_(True))
    )


# --- sessions ------------------------------------------------------------------------------


def add_session(session: Session, account_id: int, token_digest: str, csrf_token: str, now: datetime) -> StaffSession:
    row = StaffSession(
        account_id=account_id, token_digest=token_digest, csrf_token=csrf_token, created_at=now, last_seen_at=now
    )
    session.add(row)
    session.flush()
    return row


def session_by_digest(session: Session, token_digest: str) -> tuple[StaffSession, StaffAccount] | None:
    found = session.execute(
        select(StaffSession, StaffAccount)
        .join(StaffAccount, StaffAccount.id == StaffSession.account_id)
        .where(StaffSession.token_digest == token_digest)
    ).first()
    return (found[0], found[1]) if found else None


def session_last_seen(row: StaffSession) -> datetime:
    return _aware(row.last_seen_at)  # type: ignore[return-value]


def delete_session(session: Session, token_digest: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_digest == token_digest))


def delete_sessions_of(session: Session, account_id: int) -> None:
    session.execute(delete(StaffSession).where(StaffSession.account_id == account_id))


def purge_idle_sessions(session: Session, idle_since: datetime) -> int:
    return session.execute(delete(StaffSession).where(StaffSession.last_seen_at < idle_since)).rowcount


# --- sign-in lock-out ----------------------------------------------------------------------


def locked_until(session: Session, username: str, now: datetime) -> datetime | None:
    """When the user name's lock-out ends, or None when it may try now."""
    row = session.scalar(select(StaffLoginThrottle).where(StaffLoginThrottle.username == username))
    until = _aware(row.locked_until) if row else None
    return until if until and until > now else None


def record_failed_login(
    session: Session, username: str, now: datetime, max_failures: int, lock: timedelta
) -> datetime | None:
    """Counts a wrong password; returns the end of the lock-out when this one locked the name."""
    query = select(StaffLoginThrottle).where(StaffLoginThrottle.username == username)
    row = session.scalar(query.with_for_update())
    if row is None:
        try:
            with session.begin_nested():  # two first failures at once: one inserts, the other reads it
                row = StaffLoginThrottle(username=username, failures=0, lockouts=0)
                session.add(row)
        except IntegrityError:
            row = session.scalar(query.with_for_update())
    started = _aware(row.window_started_at)
    if started is None or now - started > LOGIN_WINDOW:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    locked = None
    if row.failures >= max_failures:
        locked = now + min(lock * (2 ** min(row.lockouts, 10)), MAX_LOCK)
        row.lockouts += 1
        row.failures, row.window_started_at, row.locked_until = 0, None, locked
    session.flush()
    return locked


def clear_failed_logins(session: Session, username: str) -> None:
    row = session.scalar(select(StaffLoginThrottle).where(StaffLoginThrottle.username == username))
    if row is not None:
        row.failures, row.window_started_at, row.locked_until = 0, None, None


# --- audit log -----------------------------------------------------------------------------


def add_audit(
    session: Session,
    action: str,
    account: StaffAccount | None = None,
    username: str | None = None,
    target: str | None = None,
    detail: dict | None = None,
    ip: str | None = None,
) -> StaffAuditEntry:
    entry = StaffAuditEntry(
        at=datetime.now(timezone.utc),
        account_id=account.id if account is not None else None,
        username=(account.username if account is not None else username or "")[:64] or None,
        action=action,
        target=(target or "")[:255] or None,
        detail=detail or None,
        ip=(ip or "")[:64] or None,
    )
    session.add(entry)
    session.flush()
    return entry


def list_audit(
    session: Session, limit: int = 200, action: str | None = None, target: str | None = None
) -> list[StaffAuditEntry]:
    query = select(StaffAuditEntry).order_by(StaffAuditEntry.id.desc()).limit(limit)
    if action:
        query = query.where(StaffAuditEntry.action == action)
    if target:
        query = query.where(StaffAuditEntry.target == target)
    return list(session.scalars(query))


def audited_since(session: Session, account_id: int, action: str, target: str, since: datetime) -> bool:
    """Whether the account has an ``action`` on ``target`` in the log since ``since``."""
    query = select(StaffAuditEntry.id).where(
        StaffAuditEntry.account_id == account_id,
        StaffAuditEntry.action == action,
        StaffAuditEntry.target == target,
        StaffAuditEntry.at >= since,
    )
    return session.scalar(query.limit(1)) is not None


# --- the complaints and feedback queue --------------------------------------------------


@dataclass
class QueueItem:
    """A hand-over or a feedback row with what staff did about it (``case`` is None: nobody yet)."""

    kind: str
    record: Any  # HandoffRequest or Feedback
    case: StaffCase | None

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.record.id}"

    @property
    def category(self) -> str:
        """complaint (khiếu nại, phản ánh, kiến nghị), handoff (a person asked for) or feedback."""
        if self.kind == "handoff" and (self.record.summary or "").startswith(COMPLAINT_PREFIX):
            return "complaint"
        return self.kind

    @property
    def text(self) -> str:
        """What the citizen wrote (a complaint without its marker)."""
        text = (self.record.summary if self.kind == "handoff" else self.record.comment) or ""
        return text[len(COMPLAINT_PREFIX) :] if self.category == "complaint" else text

    @property
    def status(self) -> str:
        return self.case.status if self.case is not None else "new"

    @property
    def created_at(self) -> datetime:
        return _aware(self.record.created_at)  # type: ignore[return-value]


def _cases(session: Session, kind: str, ids: Iterable[int]) -> dict[int, StaffCase]:
    ids = list(ids)
    if not ids:
        return {}
    rows = session.scalars(select(StaffCase).where(StaffCase.kind == kind, StaffCase.record_id.in_(ids)))
    return {row.record_id: row for row in rows}


def list_queue(session: Session, status: str | None = None, limit: int = 200) -> list[QueueItem]:
    """Hand-overs and feedback with a comment, newest first; ``status`` filters on the staff status."""
    if status is not None and status not in CASE_STATUSES:
        raise ValueError(f"status must be one of {', '.join(CASE_STATUSES)}")
    items: list[QueueItem] = []
    sources = (
        ("handoff", HandoffRequest, None),
        ("feedback", Feedback, _feedback_in_queue()),
    )
    for kind, model, condition in sources:
        query = select(model)
        if condition is not None:
            query = query.where(condition)
        if status is not None:
            case_ids = select(StaffCase.record_id).where(StaffCase.kind == kind)
            if status == "new":
                query = query.where(
                    model.id.not_in(case_ids.where(StaffCase.status != "new"))  # type: ignore[attr-defined]
                )
            else:
                query = query.where(model.id.in_(case_ids.where(StaffCase.status == status)))
        rows = list(session.scalars(query.order_by(model.created_at.desc(), model.id.desc()).limit(limit)))
        cases = _cases(session, kind, (row.id for row in rows))
        items += [QueueItem(kind, row, cases.get(row.id)) for row in rows]
    items.sort(key=lambda item: (item.created_at, item.record.id), reverse=True)
    return items[:limit]


def queue_item(session: Session, kind: str, record_id: int) -> QueueItem | None:
    model = {"handoff": HandoffRequest, "feedback": Feedback}.get(kind)
    if model is None:
        return None
    record = session.get(model, record_id)
    if record is None:
        return None
    return QueueItem(kind, record, _cases(session, kind, [record_id]).get(record_id))


def case_for(session: Session, item: QueueItem) -> StaffCase:
    """The item's staff row, made when staff first act on it."""
    if item.case is None:
        item.case = StaffCase(kind=item.kind, record_id=item.record.id, status="new")
        session.add(item.case)
        session.flush()
    return item.case


def queue_counts(session: Session) -> dict[str, int]:
    """How many items of the queue are in each status."""
    counts = dict.fromkeys(CASE_STATUSES, 0)
    total = session.scalar(select(func.count(HandoffRequest.id))) + session.scalar(
        select(func.count(Feedback.id)).where(_feedback_in_queue())
    )
    for kind, model, condition in (
        ("handoff", HandoffRequest, HandoffRequest.id.is_not(None)),
        ("feedback", Feedback, _feedback_in_queue()),
    ):
        rows = session.execute(
            select(StaffCase.status, func.count(StaffCase.id))
            .join(model, model.id == StaffCase.record_id)
            .where(StaffCase.kind == kind, StaffCase.status != "new", condition)
            .group_by(StaffCase.status)
        )
        for status, count in rows:
            counts[status] += count
    counts["new"] = total - sum(counts.values())
    return counts


def ratings(session: Session) -> dict[str, Any]:
    """Satisfaction ratings 1–5: how many of each, the average and the share of 4–5."""
    rows = dict(
        session.execute(
            select(Feedback.rating, func.count(Feedback.id))
            .where(Feedback.rating.is_not(None))
            .group_by(Feedback.rating)
        ).all()
    )
    by_rating = {str(value): int(rows.get(value, 0)) for value in range(1, 6)}
    total = sum(by_rating.values())
    average = sum(int(k) * v for k, v in by_rating.items()) / total if total else None
    satisfied = (by_rating["4"] + by_rating["5"]) / total if total else None
    return {"count": total, "by_rating": by_rating, "average": average, "share_4_5": satisfied}


# --- retention (bot/retention.py) ----------------------------------------------------------

_BULK = {"synchronize_session": False}


def purge_cases(session: Session, cutoff: datetime) -> int:
    """Staff rows of hand-overs already deleted, and of feedback last changed before ``cutoff`` (status, answer)."""
    orphans = and_(StaffCase.kind == "handoff", StaffCase.record_id.not_in(select(HandoffRequest.id)))
    old_feedback = and_(StaffCase.kind == "feedback", StaffCase.updated_at < cutoff)
    return session.execute(delete(StaffCase).where(or_(orphans, old_feedback)).execution_options(**_BULK)).rowcount


def forget_cases(session: Session, sender_id: str) -> int:
    """A citizen's deletion request: the staff rows (status, answer) of their hand-overs and feedback."""
    theirs = or_(
        and_(
            StaffCase.kind == "handoff",
            StaffCase.record_id.in_(select(HandoffRequest.id).where(HandoffRequest.sender_id == sender_id)),
        ),
        and_(
            StaffCase.kind == "feedback",
            StaffCase.record_id.in_(select(Feedback.id).where(Feedback.sender_id == sender_id)),
        ),
    )
    return session.execute(delete(StaffCase).where(theirs).execution_options(**_BULK)).rowcount


def purge_audit(session: Session, cutoff: datetime) -> int:
    """Audit entries older than ``cutoff``."""
    return session.execute(
        delete(StaffAuditEntry).where(StaffAuditEntry.at < cutoff).execution_options(**_BULK)
    ).rowcount
