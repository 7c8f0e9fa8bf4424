"""The staff console's test server: the HTTP API on a free port over a seeded throwaway database, with
accounts made through the same use case as ``python -m webapp.staff``, and a signed-in HTTP client."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

from tests.support import api_server

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "mat-khau-thu-nghiem-1"
ACCOUNTS = (
    ("quantri", "Quản trị tỉnh", "province_admin", None),
    ("canbo.an", "Nguyễn Thị An", "commune_staff", "Xã An Bình"),
    ("canbo.binh", "Trần Văn Bình", "commune_staff", "Xã An Bình"),
)


def seed_console(url: str) -> None:
    """The shipped catalogue and the three accounts above, into the database at ``url``."""
    from integrations.seed import seed_if_empty
    from procedures_db.db import session_scope
    from services.staff import create_account

    with session_scope(url) as session:
        seed_if_empty(session)
        for username, name, role, commune in ACCOUNTS:
            create_account(session, username, name, role, PASSWORD, commune)


@contextmanager
def console_server(workdir: Path, **env_overrides: str) -> Iterator[tuple[str, str]]:
    """``python -m procedures_db serve`` over a seeded database; yields (base URL, database URL)."""
    database = f"sqlite:///{workdir / 'console.db'}"
    seed_console(database)
    env = dict(os.environ, DATABASE_URL=database, LOG_LEVEL="WARNING", SQLALCHEMY_SILENCE_UBER_WARNING="1")
    env.update(env_overrides)
    with api_server(env, workdir / "api.log") as base:
        yield base, database


class StaffClient:
    """A browser-like HTTP client of the console: cookies kept, the CSRF token sent with every change."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()
        self.csrf = ""

    def login(self, username: str, password: str = PASSWORD) -> requests.Response:
        token = self.http.get(f"{self.base}/staff/api/csrf", timeout=10).json()["csrf"]
        reply = self.http.post(
            f"{self.base}/staff/api/login",
            json={"username": username, "password": password},
            headers={"X-CSRF-Token": token},
            timeout=30,
        )
        if reply.ok:
            self.csrf = reply.json()["csrf"]
        return reply

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, body: dict | None = None, **kwargs) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf, **kwargs.pop("headers", {})}
        return self.http.post(self.base + path, json=body or {}, headers=headers, timeout=30, **kwargs)
