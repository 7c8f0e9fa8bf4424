"""Lock-out of the chat's phone-digit check, per dossier code, shared through the database.

Only 10,000 four-digit endings exist, so the check must not be guessable. Every
failed check is counted against the dossier code (its canonical form), whoever
asks, on whatever channel, replica or conversation: a new sender id, a
``/restart`` or another replica does not clear the count. After
``max_failures`` failures within ``window`` the code is locked for
``first_lock``, doubled at every new lock-out of the same code and capped at
``max_lock``. While a code is locked even the right digits are refused (or the
lock would tell a guesser which guess was right), and the chat says until when.

Codes that do not exist are counted and locked exactly like real ones, with the
same database work, so neither the reply nor the lock tells whether a dossier
exists. Rows are keyed by an HMAC of the code (``PHONE_HASH_KEY``), never the
code. Nothing sleeps: a guess is answered at once and the delay is the stored
``locked_until``.

Figures (defaults, environment variables read at each check):

=================================== ======= ==============================================
``DOSSIER_LOOKUP_MAX_FAILURES``      5       failures within the window that lock the code
``DOSSIER_LOOKUP_WINDOW_SECONDS``    900     the window (15 min); older failures expire
``DOSSIER_LOOKUP_LOCK_SECONDS``      900     first lock-out (15 min), doubled each time
``DOSSIER_LOOKUP_MAX_LOCK_SECONDS``  86400   longest lock-out (24 h)
=================================== ======= ==============================================

With them a guesser gets 5 tries, then waits 15 min, 30, 1 h, 2 h, 4 h, 8 h,
16 h, then 24 h at a time: about 35 tries the first day and 5 a day after,
so finding one of 10,000 endings takes years. A code's record is forgotten a
window after its last failure when it was never locked, or ``max_lock`` after
its last lock-out ended; staff can lift a lock at once (``DELETE
/api/dossier-locks/<code>``).

Checks of one code are serialised by a row lock (PostgreSQL ``SELECT ... FOR
UPDATE``; SQLite serialises writers anyway), so concurrent guesses cannot slip
past the count. Every function takes a ``Session`` and leaves committing to the
caller, like the rest of the package.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.dossier_rules import as_utc, canonical_code, phone_hash_key
from procedures_db.dossiers import DossierView, verify_owner
from core.settings import current as settings
from procedures_db.models import Dossier, DossierLookupLock

logger = logging.getLogger(__name__)

_DIGEST_PREFIX = b"dossier-lookup-lock|"  # keeps these digests apart from the phone digests
_MAX_DOUBLINGS = 32  # beyond this the cap applies anyway; keeps 2**n small
_PURGE_BATCH = 100


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    first_lock: timedelta = timedelta(minutes=15)
    max_lock: timedelta = timedelta(hours=24)

    @classmethod
    def from_env(cls) -> "LockoutPolicy":
        """The figures from the environment (core/settings.py); a missing or invalid value keeps its default."""
        figures = settings()
        return cls(
            max_failures=figures.lookup_max_failures,
            window=timedelta(seconds=figures.lookup_window_seconds),
            first_lock=timedelta(seconds=figures.lookup_lock_seconds),
            max_lock=timedelta(seconds=figures.lookup_max_lock_seconds),
        )

    def lock_duration(self, earlier_lockouts: int) -> timedelta:
        return min(self.first_lock * 2 ** min(earlier_lockouts, _MAX_DOUBLINGS), self.max_lock)


@dataclass(frozen=True)
class LookupOutcome:
    """The result of one digit check: the view when verified, the lock's end when locked."""

    view: DossierView | None = None
    locked_until: datetime | None = None  # aware UTC

    @property
    def verified(self) -> bool:
        return self.view is not None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def code_digest(code: str, key: bytes | None = None) -> str:
    """Hex HMAC-SHA256 of a canonical dossier code: the key of its lock row."""
    return hmac.new(key or phone_hash_key(), _DIGEST_PREFIX + code.encode("utf-8"), hashlib.sha256).hexdigest()


def _now(now: datetime | None) -> datetime:
    return as_utc(now) or datetime.now(timezone.utc)


def _active_lock(row: DossierLookupLock | None, now: datetime) -> datetime | None:
    until = as_utc(row.locked_until) if row is not None else None
    return until if until is not None and until > now else None


def lock_state(session: Session, code: str, *, now: datetime | None = None) -> datetime | None:
    """Until when ``code`` is locked (aware UTC), or None; reads only, counts nothing."""
    canonical = canonical_code(code or "")
    if canonical is None:
        return None
    row = session.scalar(select(DossierLookupLock).where(DossierLookupLock.code_digest == code_digest(canonical)))
    return _active_lock(row, _now(now))


def verify_with_lockout(
    session: Session, code: str, last4: str, *, now: datetime | None = None, policy: LockoutPolicy | None = None
) -> LookupOutcome:
    """Check ``last4`` against ``code`` unless the code is locked; count a failure, locking when due.

    A code that is not a dossier code at all is refused without counting (it
    cannot name a dossier). The same work is done for an unknown code as for a
    known one with wrong digits.
    """
    now = _now(now)
    policy = policy or LockoutPolicy.from_env()
    canonical = canonical_code(code or "")
    if canonical is None:
        return LookupOutcome()
    row = _locked_row(session, code_digest(canonical), canonical, now)
    until = _active_lock(row, now)
    if until is not None:
        return LookupOutcome(locked_until=until)
    view = verify_owner(session, canonical, last4)
    if view is not None:
        return LookupOutcome(view=view)
    return LookupOutcome(locked_until=_count_failure(session, row, canonical, now, policy))


def _locked_row(session: Session, digest: str, code: str, now: datetime) -> DossierLookupLock:
    """The code's row, created when missing, locked against concurrent checks until commit."""
    values = {
        "code_digest": digest,
        "dossier_id": select(Dossier.id).where(Dossier.code == code).scalar_subquery(),
        "failures": 0,
        "total_failures": 0,
        "lockouts": 0,
        "forget_at": now,
    }
    # An upsert that writes the existing row (a no-op change) so that it is locked at once: with
    # DO NOTHING, another check's purge could delete the row before this check locked it.
    # Both databases the project supports have INSERT ... ON CONFLICT.
    insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = insert(DossierLookupLock).values(**values)
    session.execute(
        upsert.on_conflict_do_update(
            index_elements=[DossierLookupLock.code_digest], set_={"code_digest": upsert.excluded.code_digest}
        )
    )
    statement = select(DossierLookupLock).where(DossierLookupLock.code_digest == digest)
    return session.scalars(statement.with_for_update().execution_options(populate_existing=True)).one()


def _count_failure(
    session: Session, row: DossierLookupLock, code: str, now: datetime, policy: LockoutPolicy
) -> datetime | None:
    """Add one failure to ``row``; returns the new lock's end when this failure locks the code."""
    window_start = as_utc(row.window_started_at)
    if window_start is None or now - window_start >= policy.window:
        row.failures, row.window_started_at = 0, now
    row.failures += 1
    row.total_failures += 1
    row.last_failure_at = now
    row.dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))  # the dossier may be new
    locked_until = None
    if row.failures >= policy.max_failures:
        locked_until = now + policy.lock_duration(row.lockouts)
        row.lockouts += 1
        row.locked_until = locked_until
        row.failures, row.window_started_at = 0, None
        _warn_locked(row, code, locked_until)
    if row.lockouts:
        row.forget_at = as_utc(row.locked_until) + policy.max_lock
    else:
        row.forget_at = as_utc(row.window_started_at) + policy.window
    session.flush()
    _purge_forgotten(session, now)
    return locked_until


def _purge_forgotten(session: Session, now: datetime) -> None:
    """Delete a batch of rows past their ``forget_at``: keeps the table small when someone sprays codes.

    Rows another check holds are skipped (SKIP LOCKED), so two checks never wait on each other.
    """
    stale = (
        select(DossierLookupLock.id)
        .where(DossierLookupLock.forget_at < now)
        .limit(_PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    session.execute(
        delete(DossierLookupLock).where(DossierLookupLock.id.in_(stale.scalar_subquery())),
        execution_options={"synchronize_session": False},
    )


def _warn_locked(row: DossierLookupLock, code: str, until: datetime) -> None:
    # A code that names no dossier is not logged: it may be someone's mistyped personal data.
    subject = f"dossier {code}" if row.dossier_id is not None else f"unknown code (digest {row.code_digest[:12]})"
    logger.warning(
        "dossier lookup locked: %s after %d failed phone-digit checks, lock-out #%d until %s",
        subject,
        row.total_failures,
        row.lockouts,
        until.isoformat(timespec="seconds"),
    )


def list_locks(session: Session, *, now: datetime | None = None) -> dict:
    """Staff view: the locked codes that name a dossier, and how many locked codes name none."""
    now = _now(now)
    rows = session.execute(
        select(DossierLookupLock, Dossier.code, Dossier.procedure_code)
        .join(Dossier, Dossier.id == DossierLookupLock.dossier_id, isouter=True)
        .where(DossierLookupLock.locked_until > now)
        .order_by(DossierLookupLock.locked_until.desc())
    ).all()
    known = [
        {
            "code": dossier_code,
            "procedure_code": procedure_code,
            "failures": lock.total_failures,
            "lockouts": lock.lockouts,
            "locked_until": as_utc(lock.locked_until),
        }
        for lock, dossier_code, procedure_code in rows
        if dossier_code is not None
    ]
    return {"locks": known, "unknown_codes_locked": len(rows) - len(known)}


def unlock(session: Session, code: str) -> bool:
    """Forget every failure of ``code`` (the lock and its doubling); False when nothing was recorded."""
    canonical = canonical_code(code or "")
    if canonical is None:
        return False
    result = session.execute(delete(DossierLookupLock).where(DossierLookupLock.code_digest == code_digest(canonical)))
    if result.rowcount:
        logger.warning("dossier lookup unlocked by staff: %s", canonical)
    return bool(result.rowcount)
