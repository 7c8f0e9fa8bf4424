"""``python -m webapp.staff``: accounts from the command line, the password never on it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from procedures_db.db import session_scope
from procedures_db.models import StaffAccount, StaffAuditEntry

ROOT = Path(__file__).resolve().parents[4]


def run(url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=url, SQLALCHEMY_SILENCE_UBER_WARNING="1")
    return subprocess.run(
        [sys.executable, "-m", "webapp.staff", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_create_admin_reads_the_password_from_stdin(sqlite_url):
    done = run(
        sqlite_url, "create-admin", "QuanTri", "--name", "Quản trị tỉnh", "--password-stdin", stdin="mat-khau-dai-1\n"
    )
    assert done.returncode == 0, done.stderr
    assert "created province_admin account quantri" in done.stdout
    staff = run(
        sqlite_url, "create-staff", "canbo.an", "--name", "An", "--commune", "Xã A", "--password-stdin", stdin="x" * 12
    )
    assert staff.returncode == 0, staff.stderr
    with session_scope(sqlite_url) as session:
        accounts = {a.username: a for a in session.scalars(select(StaffAccount))}
        assert accounts["quantri"].role == "province_admin" and accounts["canbo.an"].commune == "Xã A"
        assert accounts["quantri"].password_hash.startswith("$argon2id$")
        assert [e.action for e in session.scalars(select(StaffAuditEntry))] == ["account.create"] * 2


def test_refusals_are_clear_and_create_nothing(sqlite_url):
    weak = run(sqlite_url, "create-admin", "quantri", "--name", "Q", "--password-stdin", stdin="ngan\n")
    assert weak.returncode == 2 and "10 to 256 characters" in weak.stderr and "Traceback" not in weak.stderr
    no_tty = run(sqlite_url, "create-admin", "quantri", "--name", "Q")  # no terminal, no stdin: no password
    assert no_tty.returncode == 2 and "Traceback" not in no_tty.stderr
    argv = run(sqlite_url, "create-admin", "quantri", "--name", "Q", "--password", "on-the-command-line")
    assert argv.returncode == 2  # there is no such option
    with session_scope(sqlite_url) as session:
        assert session.scalar(select(StaffAccount)) is None
