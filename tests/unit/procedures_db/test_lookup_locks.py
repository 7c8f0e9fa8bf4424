"""Lock-out of the phone-digit check, per dossier code, in the database (issue 19, findings 2b and 3).

Run on SQLite and on a real PostgreSQL. Time is injected (``now=``), never slept.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import delete, select

from procedures_db.db import get_engine, session_scope
from procedures_db.dossiers import upsert_dossier
from procedures_db.lookup_locks import LockoutPolicy, list_locks, lock_state, unlock, verify_with_lockout
from procedures_db.models import Dossier, DossierEvent, DossierLookupLock
from tests.dossier_helpers import LAST4, TEST_KEY, sqlite_url_in, valid_payload

REPO_ROOT = Path(__file__).resolve().parents[3]
CODE = "000.00.12.H48-251105-0012"  # exists, digits 5678
UNKNOWN = "000.00.12.H48-251105-0099"  # names no dossier
T0 = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)
POLICY = LockoutPolicy()  # the defaults: 5 failures in 15 min lock for 15 min, doubling, capped at 24 h


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        url = sqlite_url_in(tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")  # shared by the test session: empty it
        with session_scope(url) as session:
            for model in (DossierLookupLock, DossierEvent, Dossier):
                session.execute(delete(model))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("PHONE_HASH_KEY", TEST_KEY)
    with session_scope(url) as session:
        upsert_dossier(session, valid_payload(code=CODE))
    return url


def check(url, code, last4, now, policy=POLICY):
    with session_scope(url) as session:
        return verify_with_lockout(session, code, last4, now=now, policy=policy)


def outcome_kind(outcome) -> str:
    return "verified" if outcome.verified else "locked" if outcome.locked else "wrong"


def test_five_failures_lock_the_code_and_even_the_right_digits_are_refused(db_url):
    kinds = [outcome_kind(check(db_url, CODE, f"{1000 + i}", T0 + timedelta(seconds=i))) for i in range(5)]
    assert kinds == ["wrong"] * 4 + ["locked"]

    refused = check(db_url, CODE, LAST4, T0 + timedelta(minutes=1))
    assert refused.locked and refused.view is None
    assert refused.locked_until == T0 + timedelta(seconds=4) + timedelta(minutes=15)


def test_an_unknown_code_is_counted_and_locked_exactly_like_a_known_one(db_url):
    def run(code):
        return [
            (outcome_kind(o), o.locked_until)
            for o in (check(db_url, code, "1111", T0 + timedelta(seconds=i)) for i in range(7))
        ]

    assert run(UNKNOWN) == run(CODE)
    with session_scope(db_url) as session:
        assert lock_state(session, UNKNOWN, now=T0) == lock_state(session, CODE, now=T0) is not None


def test_the_right_digits_pass_before_the_lock_and_after_it_expires(db_url):
    assert check(db_url, CODE, LAST4, T0).verified
    for i in range(5):
        check(db_url, CODE, "0000", T0 + timedelta(seconds=i))
    assert check(db_url, CODE, LAST4, T0 + timedelta(minutes=15)).locked
    assert check(db_url, CODE, LAST4, T0 + timedelta(minutes=15, seconds=5)).verified


def test_each_new_lock_lasts_twice_as_long_up_to_the_cap(db_url):
    now, durations = T0, []
    for _ in range(9):
        for _ in range(5):
            outcome = check(db_url, CODE, "0000", now)
        durations.append(outcome.locked_until - now)
        now = outcome.locked_until  # try again the moment the lock ends
    minutes = [d / timedelta(minutes=1) for d in durations]
    assert minutes == [15, 30, 60, 120, 240, 480, 960, 1440, 1440]


def test_failures_older_than_the_window_are_forgotten(db_url):
    for i in range(4):
        check(db_url, CODE, "0000", T0 + timedelta(minutes=i))
    later = T0 + timedelta(minutes=16)  # the window of the first failure is over
    assert outcome_kind(check(db_url, CODE, "0000", later)) == "wrong"
    assert check(db_url, CODE, LAST4, later).verified


def test_settings_come_from_the_environment_and_bad_values_keep_the_defaults(monkeypatch):
    monkeypatch.setenv("DOSSIER_LOOKUP_MAX_FAILURES", "3")
    monkeypatch.setenv("DOSSIER_LOOKUP_WINDOW_SECONDS", "60")
    monkeypatch.setenv("DOSSIER_LOOKUP_LOCK_SECONDS", "120")
    monkeypatch.setenv("DOSSIER_LOOKUP_MAX_LOCK_SECONDS", "-5")
    policy = LockoutPolicy.from_env()
    assert (policy.max_failures, policy.window, policy.first_lock, policy.max_lock) == (
        3,
        timedelta(seconds=60),
        timedelta(seconds=120),
        timedelta(hours=24),
    )
    assert policy.lock_duration(1000) == timedelta(hours=24)


def test_a_lock_set_through_one_engine_holds_for_another_process(db_url):
    """Replicas and restarts share the lock: five failures in a separate Python process."""
    script = (
        "import sys; from procedures_db.db import session_scope; "
        "from procedures_db.lookup_locks import verify_with_lockout\n"
        "for _ in range(5):\n"
        "    with session_scope(sys.argv[1]) as s: verify_with_lockout(s, sys.argv[2], '0000')\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, db_url, CODE],
        cwd=REPO_ROOT,
        check=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PHONE_HASH_KEY": TEST_KEY, "PYTHONPATH": str(REPO_ROOT)},
    )
    refused = check(db_url, CODE, LAST4, datetime.now(timezone.utc))
    assert refused.locked and not refused.verified


def test_concurrent_guesses_cannot_slip_past_the_count(db_url):
    """20 guesses at once from 20 threads (senders): only 5 are ever checked against the digits."""
    results, barrier = [], threading.Barrier(20)

    def guess(i):
        barrier.wait()
        results.append(outcome_kind(check(db_url, CODE, f"{2000 + i}", T0)))

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["locked"] * 16 + ["wrong"] * 4
    with session_scope(db_url) as session:
        assert session.scalar(select(DossierLookupLock.total_failures)) == 5


def test_a_full_width_code_is_the_same_code(db_url):
    full_width = CODE.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for _ in range(5):
        check(db_url, full_width, "0000", T0)
    assert check(db_url, CODE, LAST4, T0).locked


def test_staff_list_names_locked_dossiers_and_only_counts_unknown_codes(db_url):
    for _ in range(5):
        check(db_url, CODE, "0000", T0)
        check(db_url, UNKNOWN, "0000", T0)
    with session_scope(db_url) as session:
        listed = list_locks(session, now=T0 + timedelta(minutes=1))
        assert listed == {
            "locks": [
                {
                    "code": CODE,
                    "procedure_code": "1.001193",
                    "failures": 5,
                    "lockouts": 1,
                    "locked_until": T0 + timedelta(minutes=15),
                }
            ],
            "unknown_codes_locked": 1,
        }
        assert list_locks(session, now=T0 + timedelta(minutes=16)) == {"locks": [], "unknown_codes_locked": 0}
        assert unlock(session, CODE) and not unlock(session, CODE)
    assert check(db_url, CODE, LAST4, T0 + timedelta(minutes=1)).verified


def test_a_lock_on_a_code_names_the_dossier_created_after_it(db_url):
    new_code = "000.00.12.H48-251105-0077"
    for _ in range(5):
        check(db_url, new_code, "0000", T0)
    with session_scope(db_url) as session:
        upsert_dossier(session, valid_payload(code=new_code))
    check(db_url, new_code, "0000", T0 + timedelta(minutes=15))  # a failure after the lock ends
    with session_scope(db_url) as session:
        assert [lock["code"] for lock in list_locks(session, now=T0)["locks"]] == [new_code]


def test_the_lock_is_logged_as_a_warning(db_url, caplog):
    with caplog.at_level("WARNING", logger="procedures_db.lookup_locks"):
        for _ in range(5):
            check(db_url, CODE, "0000", T0)
            check(db_url, UNKNOWN, "0000", T0)
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and CODE in lines[0] and "until 2026-12-07T03:15:00" in lines[0]
    assert UNKNOWN not in " ".join(lines)  # a code that names no dossier is never written out


def test_codes_are_stored_only_as_digests_and_stale_rows_are_purged(tmp_path, monkeypatch):
    monkeypatch.setenv("PHONE_HASH_KEY", TEST_KEY)
    url = sqlite_url_in(tmp_path)
    for i in range(30):  # someone sprays random codes
        check(url, f"000.00.12.H48-251105-{5000 + i}", "0000", T0)
    check(url, UNKNOWN, "0000", T0 + timedelta(minutes=16))
    with session_scope(url) as session:
        assert len(session.scalars(select(DossierLookupLock)).all()) == 1
    get_engine(url).dispose()  # flush the SQLite WAL into the file
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("dossiers.db*"))
    assert b"251105-0099" not in stored and b"251105-5001" not in stored


def test_checks_of_many_codes_at_once_never_wait_on_each_other(db_url):
    """Each check purges stale rows; rows other checks hold are skipped, so no deadlock, no error."""
    codes = [f"000.00.12.H48-251105-{6000 + i}" for i in range(12)]
    for stale in codes:
        check(db_url, stale, "0000", T0)  # all of them forgettable from T0 + 15 min on
    later, errors, barrier = T0 + timedelta(minutes=16), [], threading.Barrier(len(codes))

    def guess(code):
        barrier.wait()
        try:
            for _ in range(3):
                check(db_url, code, "0000", later)
        except Exception as exc:  # a deadlock or a serialisation failure
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(code,)) for code in codes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with session_scope(db_url) as session:
        # The stale failure is forgotten (row purged, or its window over): 3 in the window for every code.
        assert sorted(session.scalars(select(DossierLookupLock.failures))) == [3] * len(codes)


def test_an_unknown_code_and_wrong_digits_cost_the_same_database_work(db_url):
    """No timing oracle: the same SQL statements, in the same order, for both (timing itself is not asserted)."""
    from sqlalchemy import event

    from procedures_db.dossiers import verify_owner

    def statements(run) -> list[str]:
        seen = []

        def record(_conn, _cursor, statement, *_args):
            seen.append(statement)

        engine = get_engine(db_url)
        event.listen(engine, "before_cursor_execute", record)
        try:
            with session_scope(db_url) as session:
                run(session)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return seen

    assert statements(lambda s: verify_owner(s, UNKNOWN, "1111")) == statements(lambda s: verify_owner(s, CODE, "1111"))
    assert statements(lambda s: verify_with_lockout(s, UNKNOWN, "1111", now=T0)) == statements(
        lambda s: verify_with_lockout(s, CODE, "1111", now=T0)
    )
