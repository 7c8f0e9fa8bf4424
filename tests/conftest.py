"""Shared fixtures: throwaway SQLite and PostgreSQL databases, the seeded catalogue."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
os.environ.setdefault("PHONE_HASH_KEY", "test-phone-hash-key")
os.environ.setdefault("DOSSIER_API_TOKEN", "test-dossier-token")

from procedures_db.db import session_scope  # noqa: E402
from integrations.seed import seed_if_empty  # noqa: E402
from tests.support import free_port  # noqa: E402


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(scope="session")
def seeded_sqlite_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('catalogue') / 'catalogue.db'}"
    with session_scope(url) as session:
        seed_if_empty(session)
    return url


NATIONAL_PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "national"


@pytest.fixture(scope="session")
def national_catalogue_url(tmp_path_factory) -> str:
    """The seed and every national portal page (../shared/data/national), imported once for the session;
    the tests that need them skip, saying so, when the pages are absent (they are never committed)."""
    if not NATIONAL_PAGES.is_dir() or not any(NATIONAL_PAGES.glob("*.jsonl")):
        pytest.skip(f"national portal pages not found at {NATIONAL_PAGES} (../shared/data/national)")
    from integrations.portal_import import import_portal

    url = f"sqlite:///{tmp_path_factory.mktemp('national') / 'catalogue.db'}"
    with session_scope(url) as session:
        seed_if_empty(session)
    with session_scope(url) as session:
        import_portal(session, [NATIONAL_PAGES])
    return url


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="session")
def postgres_url():
    """A real PostgreSQL server in a temporary directory, for the whole test session."""
    bindir = _postgres_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found (apt-get install postgresql)")
        pytest.skip("PostgreSQL binaries not installed")
    workdir = Path(tempfile.mkdtemp(prefix="pg-test-"))
    datadir = workdir / "data"
    run_as = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(workdir, "postgres")
        os.chmod(workdir, 0o700)
        run_as = ["runuser", "-u", "postgres", "--"]
    subprocess.run(
        run_as
        + [
            str(bindir / "initdb"),
            "-D",
            str(datadir),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
        capture_output=True,
    )
    port = free_port()
    subprocess.run(
        run_as
        + [
            str(bindir / "pg_ctl"),
            "-D",
            str(datadir),
            "-w",
            "-l",
            str(workdir / "log"),
            "-o",
            f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            run_as + [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "assistant_test"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://postgres@127.0.0.1:{port}/assistant_test"
    finally:
        subprocess.run(
            run_as + [str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"], capture_output=True
        )
        shutil.rmtree(workdir, ignore_errors=True)


class RunningStack:
    """URLs and tokens of a stack started for the tests (Rasa, action server, API + web page).

    Rasa's HTTP API (``/conversations``, ``/model``, ``/status``) needs ``rasa_auth``
    (``requests.get(url, headers=running_stack.rasa_auth)``); the channels do not.
    """

    def __init__(self, env: dict):
        self.env = env
        self.rasa = f"http://127.0.0.1:{env['RASA_PORT']}"
        self.actions = f"http://127.0.0.1:{env['ACTION_PORT']}"
        self.api = f"http://127.0.0.1:{env['API_PORT']}"
        self.rasa_token = env["RASA_AUTH_TOKEN"]
        self.action_token = env["ACTION_SERVER_TOKEN"]
        self.rasa_auth = {"Authorization": f"Bearer {self.rasa_token}"}

    def say(self, sender: str, text: str) -> list[dict]:
        import requests

        reply = requests.post(
            f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
        )
        reply.raise_for_status()
        return reply.json()


@contextmanager
def throwaway_stack(workdir: Path, prepare: Callable[[Any], None], **env_overrides: str) -> Iterator[RunningStack]:
    """The whole stack on free ports with the trained model, under supervisord like `make run`
    (tools/stack.py), with its tokens (from .env or generated), on a seeded SQLite database of
    ``workdir`` that ``prepare(session)`` completes."""
    from tests.support import ROOT
    from tools.stack import Stack, service_environment

    model = ROOT / "models" / "assistant.tar.gz"
    if not model.is_file():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    database = f"sqlite:///{workdir / 'assistant.db'}"
    with session_scope(database) as session:
        seed_if_empty(session)
        prepare(session)
    env = service_environment()
    env.update(
        {
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "API_PORT": str(free_port()),
            "DATABASE_URL": database,
            "DOSSIER_API_TOKEN": os.environ["DOSSIER_API_TOKEN"],
            "PHONE_HASH_KEY": os.environ["PHONE_HASH_KEY"],
            "TRACKER_DB": str(workdir / "tracker.db"),
            **env_overrides,
        }
    )
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    with open(workdir / "stack.log", "w", encoding="utf-8") as log:
        stack = Stack(env=env, model=str(model), log=log)
        stack.start()
        try:
            stack.wait_healthy(timeout=240)
            yield RunningStack(env)
        finally:
            stack.stop()


@pytest.fixture(scope="session")
def running_stack(tmp_path_factory):
    """The whole stack with a seeded throwaway database and the README's demo dossiers.

    Trained once by `make test` (models/assistant.tar.gz); started once per test session.
    """
    from integrations.seed import seed_demo_dossiers

    with throwaway_stack(tmp_path_factory.mktemp("stack"), seed_demo_dossiers) as stack:
        yield stack
