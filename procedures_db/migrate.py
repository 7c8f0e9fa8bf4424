"""The store's schema, brought to the newest migration (Alembic, procedures_db/migrations/).

Every process that opens the store (``get_engine``) checks the database's
revision and, when it is behind, runs the missing migrations before anything
else reads it: ``python -m procedures_db migrate`` (what ``make seed`` and
``make run`` run first, and what an operator runs before rolling out a new
version) does the same on its own. One process migrates at a time (on
PostgreSQL a transaction-level advisory lock, on SQLite a lock on a file next to
the database): processes starting together wait for the first and then find
the database up to date. A database made by
``create_all`` before migrations existed is brought to the first revision and
recorded there (revision 0001 says how), keeping its data.
"""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

logger = logging.getLogger(__name__)
# Alembic says "Context impl SQLiteImpl." at every check: this module logs the migrations it runs.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant of this application: the advisory lock that lets one process migrate at a time.
MIGRATION_LOCK_KEY = 1_402_026


def _config(connection: Optional[Connection] = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision in procedures_db/migrations/versions/."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "no migration found"
    return head


def current_revision(bind: Engine | Connection) -> Optional[str]:
    """The revision the database is at; None for an empty database or one made before migrations."""
    if isinstance(bind, Engine):
        with bind.connect() as connection:
            return current_revision(connection)
    return MigrationContext.configure(bind).get_current_revision()


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """One process at a time on a SQLite file (PostgreSQL locks inside the transaction instead)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def upgrade(engine: Engine) -> Optional[str]:
    """Runs the migrations the database lacks; returns the revision it was at before."""
    if current_revision(engine) == head_revision():
        return head_revision()  # the usual case: one small query
    with _sqlite_file_lock(engine), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK_KEY})")
        before = current_revision(connection)  # again, under the lock: another process may have done it
        if before != head_revision():
            logger.info("database schema: migrating from %s to %s", before or "nothing", head_revision())
            command.upgrade(_config(connection), "head")
    return before
