"""Fixtures of the import tests: an own database on each engine (SQLite, a real throwaway PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from procedures_db.db import get_engine


@pytest.fixture
def fresh_pg_url(postgres_url):
    """An own database in the session's PostgreSQL: imported records must not leak into other tests' catalogue."""
    name = f"import_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """The same test on a SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("fresh_pg_url")
