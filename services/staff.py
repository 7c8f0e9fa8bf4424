"""Staff console use cases: accounts, sign-in with lock-out, sessions, the audit log, the complaints queue.

Passwords are hashed with argon2id (argon2-cffi). A session is a random token
in an HttpOnly cookie, stored only as its SHA-256 digest, with its own CSRF
token; it ends after ``STAFF_SESSION_IDLE_MINUTES`` without use. Every staff
action is written to the audit log (who, what, on which item, when) in the
same transaction as the action itself.

Citizens' text (hand-over transcripts, feedback comments) and their channel ids
show only to the staff member handling the item; everyone else, and every
export, sees the text redacted (``core/redaction.py``).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from core.redaction import redact
from core.settings import current as settings
from procedures_db import staff as store
from procedures_db.models import CASE_STATUSES, STAFF_ROLES, StaffAccount, StaffSession

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MAX_ANSWER_LENGTH = 4000
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
# Sessions are touched at most this often: a page that polls does not write on every request.
TOUCH_EVERY = timedelta(seconds=30)

_hasher = PasswordHasher()  # argon2id, argon2-cffi's defaults (RFC 9106's low-memory profile)
# Verified when the user name does not exist, so that a wrong name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))

# What each role may do. Commune staff answer citizens and help them in person; the province's
# administrator does that too, reads the analytics, manages accounts and reads the audit log.
PERMISSIONS: dict[str, frozenset[str]] = {
    "commune_staff": frozenset({"queue", "assisted", "ratings"}),
    "province_admin": frozenset({"queue", "assisted", "ratings", "analytics", "accounts", "audit", "catalogue"}),
}


class StaffError(ValueError):
    """A request the use case refuses; ``code`` is stable (the console words it in Vietnamese)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.status = code, status


class LoginRefused(StaffError):
    def __init__(self, code: str, message: str, locked_until: datetime | None = None) -> None:
        super().__init__(code, message, 429 if code == "locked" else 401)
        self.locked_until = locked_until


@dataclass
class Identity:
    """The signed-in staff member of a request."""

    account: StaffAccount
    session: StaffSession

    @property
    def csrf_token(self) -> str:
        return self.session.csrf_token

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.account.role, frozenset())


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


# --- accounts ------------------------------------------------------------------------------


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def check_password_rules(password: str) -> None:
    if not MIN_PASSWORD_LENGTH <= len(password or "") <= MAX_PASSWORD_LENGTH:
        raise StaffError(
            "weak_password", f"the password must have {MIN_PASSWORD_LENGTH} to {MAX_PASSWORD_LENGTH} characters"
        )


def create_account(
    session: Session,
    username: str,
    display_name: str,
    role: str,
    password: str,
    commune: str | None = None,
    by: Identity | None = None,
    ip: str | None = None,
) -> StaffAccount:
    """A new account; ``by`` is the administrator creating it (None: the command line)."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise StaffError("bad_username", "user names are 2-64 characters: letters a-z, digits, '.', '_', '-'")
    if role not in STAFF_ROLES:
        raise StaffError("bad_role", f"role must be one of {', '.join(STAFF_ROLES)}")
    display = (display_name or "").strip()[:200]
    if not display:
        raise StaffError("bad_display_name", "the display name is required")
    check_password_rules(password)
    if store.account_by_username(session, name) is not None:
        raise StaffError("username_taken", f"the user name {name} is taken", 409)
    account = store.add_account(session, name, display, role, _hasher.hash(password), (commune or "").strip() or None)
    store.add_audit(
        session,
        "account.create",
        by.account if by else None,
        username=None if by else "(command line)",
        target=f"account:{name}",
        detail={"role": role, "commune": account.commune},
        ip=ip,
    )
    return account


def set_account_active(session: Session, by: Identity, username: str, active: bool, ip: str | None = None) -> None:
    account = store.account_by_username(session, normalise_username(username))
    if account is None:
        raise StaffError("not_found", "no such account", 404)
    if account.id == by.account.id and not active:
        raise StaffError("self_disable", "an administrator cannot disable their own account")
    account.active = active
    if not active:
        store.delete_sessions_of(session, account.id)
    store.add_audit(
        session,
        "account.enable" if active else "account.disable",
        by.account,
        target=f"account:{account.username}",
        ip=ip,
    )


def list_accounts(session: Session) -> list[dict]:
    return [
        {
            "username": a.username,
            "display_name": a.display_name,
            "role": a.role,
            "commune": a.commune,
            "active": a.active,
            "last_login_at": _iso(a.last_login_at),
        }
        for a in store.list_accounts(session)
    ]


# --- sign-in and sessions ------------------------------------------------------------------


def login(session: Session, username: str, password: str, ip: str | None = None) -> tuple[StaffAccount, str, str]:
    """Checks the password; returns (account, session token, CSRF token) or raises LoginRefused.

    A user name locked out by repeated failures is refused without checking the password (even a
    right one), known or not; the lock-out doubles at each new one.
    """
    config, now = settings(), _now()
    name = normalise_username(username)[:64]
    if len(password or "") > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH]  # no argon2 work on megabytes; it cannot match anyway
    until = store.locked_until(session, name, now)
    if until is not None:
        store.add_audit(session, "login.locked", username=name, ip=ip, detail={"until": until.isoformat()})
        raise LoginRefused("locked", "too many failed sign-ins: try again later", until)
    account = store.account_by_username(session, name) if name else None
    if account is None or not account.active or not _verify(account.password_hash if account else None, password):
        locked = store.record_failed_login(
            session, name, now, config.staff_login_max_failures, timedelta(minutes=config.staff_login_lock_minutes)
        )
        store.add_audit(
            session, "login.failed", account if account else None, username=name, ip=ip, detail={"locked": bool(locked)}
        )
        if locked is not None:
            raise LoginRefused("locked", "too many failed sign-ins: try again later", locked)
        raise LoginRefused("invalid", "wrong user name or password")
    store.clear_failed_logins(session, name)
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.last_login_at = now
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    store.add_session(session, account.id, _digest(token), csrf, now)
    store.purge_idle_sessions(session, now - timedelta(minutes=config.staff_session_idle_minutes))
    store.add_audit(session, "login", account, ip=ip)
    return account, token, csrf


def _verify(password_hash: Optional[str], password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password or "") and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, token: str | None) -> Identity | None:
    """The session of a cookie's token, or None (unknown, idle too long, or a disabled account)."""
    if not token or len(token) > 128:
        return None
    found = store.session_by_digest(session, _digest(token))
    if found is None:
        return None
    row, account = found
    now = _now()
    idle = timedelta(minutes=settings().staff_session_idle_minutes)
    if not account.active or now - store.session_last_seen(row) > idle:
        store.delete_session(session, row.token_digest)
        return None
    if now - store.session_last_seen(row) > TOUCH_EVERY:
        row.last_seen_at = now
    return Identity(account, row)


def logout(session: Session, identity: Identity, ip: str | None = None) -> None:
    store.delete_session(session, identity.session.token_digest)
    store.add_audit(session, "logout", identity.account, ip=ip)


def identity_json(identity: Identity) -> dict:
    account = identity.account
    return {
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role,
        "commune": account.commune,
        "permissions": sorted(PERMISSIONS.get(account.role, ())),
        "idle_minutes": settings().staff_session_idle_minutes,
    }


# --- audit log -----------------------------------------------------------------------------


def audit(
    session: Session, identity: Identity, action: str, target: str | None = None, detail: dict | None = None, ip=None
) -> None:
    store.add_audit(session, action, identity.account, target=target, detail=detail, ip=ip)


def audit_once(
    session: Session, identity: Identity, action: str, target: str, detail: dict | None = None, ip=None
) -> bool:
    """Audits ``action`` on ``target`` once per sign-in session (a page that refreshes does not fill the log).

    Returns whether it wrote an entry.
    """
    since = identity.session.created_at
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    if since is not None and store.audited_since(session, identity.account.id, action, target, since):
        return False
    audit(session, identity, action, target=target, detail=detail, ip=ip)
    return True


def audit_log(session: Session, limit: int = 200, action: str | None = None, target: str | None = None) -> list[dict]:
    return [
        {
            "at": _iso(entry.at),
            "username": entry.username,
            "action": entry.action,
            "target": entry.target,
            "detail": entry.detail,
            "ip": entry.ip,
        }
        for entry in store.list_audit(session, limit=limit, action=action, target=target)
    ]


# --- the complaints and feedback queue --------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.isoformat()


def _parse_key(key: str) -> tuple[str, int]:
    kind, _, number = (key or "").partition("-")
    if kind not in store.CASE_KINDS or not number.isdigit() or len(number) > 12:
        raise StaffError("not_found", "no such item", 404)
    return kind, int(number)


def _reference(item: store.QueueItem) -> str:
    return item.record.reference if item.kind == "handoff" else f"GY-{item.record.id}"


def _item_json(session: Session, item: store.QueueItem, identity: Identity, now: datetime) -> dict:
    record, case = item.record, item.case
    mine = case is not None and case.assignee_id == identity.account.id
    text = item.text
    handler = None
    if case is not None and case.assignee_id is not None:
        account = store.account_by_id(session, case.assignee_id)
        handler = account.display_name if account else None
    return {
        "key": item.key,
        "kind": item.kind,
        "category": item.category,
        "reference": _reference(item),
        "channel": record.channel,
        "procedure_code": record.procedure_code,
        "rating": getattr(record, "rating", None),
        "about": getattr(record, "about", None),
        "created_at": _iso(item.created_at),
        "waited_minutes": int((now - item.created_at).total_seconds() // 60),
        "status": item.status,
        "handler": handler,
        "mine": mine,
        # Personal data: in full only for the staff member handling the item.
        "text": text if mine else redact(text),
        "redacted": not mine,
        "sender_id": record.sender_id if mine else None,
        "answer": case.answer if case is not None else None,
        "answer_delivery": case.answer_delivery if case is not None else None,
        "answered_at": _iso(case.answered_at) if case is not None else None,
    }


def queue(session: Session, identity: Identity, status: str | None = None, limit: int = 200) -> dict:
    if status is not None and status not in CASE_STATUSES:
        raise StaffError("bad_status", f"status must be one of {', '.join(CASE_STATUSES)}")
    now = _now()
    items = store.list_queue(session, status, limit=limit)
    return {
        "items": [_item_json(session, item, identity, now) for item in items],
        "counts": store.queue_counts(session),
    }


def _item(session: Session, key: str) -> store.QueueItem:
    kind, number = _parse_key(key)
    item = store.queue_item(session, kind, number)
    if item is None:
        raise StaffError("not_found", "no such item", 404)
    return item


def queue_item(session: Session, identity: Identity, key: str, ip: str | None = None) -> dict:
    item = _item(session, key)
    data = _item_json(session, item, identity, _now())
    if data["mine"]:  # personal data was shown: say who saw it
        audit(session, identity, "case.view", target=key, ip=ip)
    return data


def take(session: Session, identity: Identity, key: str, ip: str | None = None) -> dict:
    """The staff member handles the item from now on (taking it from a colleague is audited too)."""
    item = _item(session, key)
    case = store.case_for(session, item)
    if case.status == "closed":
        raise StaffError("closed", "the item is closed", 409)
    previous = case.assignee_id
    case.assignee_id = identity.account.id
    if case.status == "new":
        case.status = "in_progress"
    audit(session, identity, "case.take", target=key, detail={"from_account": previous}, ip=ip)
    return _item_json(session, item, identity, _now())


def set_status(session: Session, identity: Identity, key: str, status: str, ip: str | None = None) -> dict:
    if status not in CASE_STATUSES:
        raise StaffError("bad_status", f"status must be one of {', '.join(CASE_STATUSES)}")
    item = _item(session, key)
    case = store.case_for(session, item)
    if case.assignee_id != identity.account.id:
        raise StaffError("not_handler", "take the item before changing it", 403)
    previous, case.status = case.status, status
    audit(session, identity, "case.status", target=key, detail={"from": previous, "to": status}, ip=ip)
    return _item_json(session, item, identity, _now())


def answer(session: Session, identity: Identity, key: str, text: str, ip: str | None = None) -> dict:
    """Stores the answer, marked to deliver into the citizen's channel, and sets the status to answered."""
    body = (text or "").strip()
    if not body:
        raise StaffError("empty_answer", "the answer is empty")
    if len(body) > MAX_ANSWER_LENGTH:
        raise StaffError("answer_too_long", f"the answer is longer than {MAX_ANSWER_LENGTH} characters")
    item = _item(session, key)
    case = store.case_for(session, item)
    if case.assignee_id != identity.account.id:
        raise StaffError("not_handler", "take the item before answering", 403)
    case.answer, case.answer_delivery, case.answered_at, case.status = body, "to_deliver", _now(), "answered"
    audit(session, identity, "case.answer", target=key, detail={"length": len(body)}, ip=ip)
    return _item_json(session, item, identity, _now())


CSV_COLUMNS = (
    "reference",
    "category",
    "channel",
    "procedure_code",
    "rating",
    "created_at",
    "status",
    "handler",
    "text",
    "answer",
    "answer_delivery",
)


def queue_csv(session: Session, identity: Identity, status: str | None = None, ip: str | None = None) -> str:
    """The queue as CSV (UTF-8 with BOM for spreadsheets); citizens' text redacted, no channel ids."""
    items = queue(session, identity, status, limit=100_000)["items"]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for item in items:
        row = dict(item, text=redact(item["text"] or ""))
        writer.writerow([_csv_cell(row.get(column)) for column in CSV_COLUMNS])
    audit(session, identity, "queue.export", detail={"status": status, "rows": len(items)}, ip=ip)
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def ratings(session: Session) -> dict:
    return store.ratings(session)


# --- retention (bot/retention.py) ----------------------------------------------------------

# The audit log says who did what with citizens' data: kept longer than the conversations themselves
# (TRACKER_RETENTION_DAYS), a year by default, so an access can still be answered for; its entries
# hold ids and counts, never what a citizen typed.
AUDIT_RETENTION_DAYS = 365


@dataclass
class StaffPurge:
    cases: int = 0
    audit: int = 0


def purge(
    session: Session, days: int, audit_days: int = AUDIT_RETENTION_DAYS, now: datetime | None = None
) -> StaffPurge:
    """After the hand-overs and feedback older than ``days`` went (service_requests): the queue's rows of
    those hand-overs, the status and answer of feedback untouched for ``days``; audit entries older than
    ``audit_days`` (never fewer days than ``days``)."""
    if days < 1:
        raise ValueError("the retention must be at least 1 day")
    now = now or _now()
    return StaffPurge(
        store.purge_cases(session, now - timedelta(days=days)),
        store.purge_audit(session, now - timedelta(days=max(days, audit_days))),
    )


def forget(session: Session, sender_id: str) -> int:
    """A citizen's deletion request: the queue's rows (status, answer) of their hand-overs and feedback.

    Run before their hand-overs are deleted and their feedback made anonymous (which loses the sender id).
    """
    return store.forget_cases(session, sender_id)
