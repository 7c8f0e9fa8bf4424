"""Database engine and sessions: SQLite under ``var/`` by default, PostgreSQL in production.

The URL comes from ``DATABASE_URL``; everything else in the package takes a
``Session`` so that tests can point it at a throwaway database.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from core.settings import current as settings
from procedures_db.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = REPO_ROOT / "var" / "assistant.db"


def database_url() -> str:
    return settings().database_url  # DATABASE_URL, else the SQLite file under var/


@lru_cache(maxsize=8)
def get_engine(url: str | None = None) -> Engine:
    """One engine per URL and process; the database migrated to the newest schema first."""
    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        # Pooled, as SQLAlchemy 2.0 does for a file (1.4 opens the file and runs the pragmas for every
        # session: the channels' hand-over check and the NLU's mentions open one per message).
        engine = create_engine(
            url, future=True, poolclass=QueuePool, connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, future=True, pool_pre_ping=True, pool_size=5, max_overflow=10)
    upgrade(engine)  # the schema's migrations it lacks (procedures_db/migrate.py)
    return engine


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API, the action server and the NLU read while an import writes.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@lru_cache(maxsize=8)
def _session_factory(url: str) -> sessionmaker:
    return sessionmaker(bind=get_engine(url), future=True, expire_on_commit=False)


@contextmanager
def session_scope(url: str | None = None) -> Iterator[Session]:
    """A transaction: committed on success, rolled back on any error."""
    session = _session_factory(url or database_url())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def connection_scope(url: str | None = None) -> Iterator[Connection]:
    """A pooled connection for one quick read, without the ORM session's cost (~0.2 ms a message)."""
    with get_engine(url or database_url()).connect() as connection:
        yield connection


def ping(url: str | None = None) -> None:
    """Raises when the database cannot be reached (the HTTP API's health check)."""
    with session_scope(url) as session:
        session.execute(text("SELECT 1"))
