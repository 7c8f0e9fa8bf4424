"""The store's schema comes from Alembic migrations (procedures_db/migrations/), on SQLite and PostgreSQL.

A new database is created at the newest revision and matches the models; a
database made by ``create_all`` before migrations existed (with data, missing
a table and a column added since) is brought up and recorded, its data kept;
``python -m procedures_db migrate`` does it on its own.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.orm import Session

from procedures_db.db import get_engine
from procedures_db.migrate import current_revision, head_revision
from procedures_db.models import Base, Procedure

ROOT = next(path for path in Path(__file__).resolve().parents if (path / "Makefile").is_file())


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server = request.getfixturevalue("postgres_url")
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", future=True)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.rsplit("/", 1)[0] + "/" + name
    yield url
    get_engine(url).dispose()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def differences_from_the_models(engine: sa.engine.Engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_a_new_database_is_at_the_newest_revision_and_matches_the_models(empty_database):
    engine = get_engine(empty_database)
    assert current_revision(engine) == head_revision()
    assert differences_from_the_models(engine) == []


def test_a_database_made_by_create_all_before_migrations_is_brought_up_with_its_data(empty_database):
    old = sa.create_engine(empty_database, future=True)
    Base.metadata.create_all(old)  # how the store was made before migrations
    with Session(old) as session:
        session.add(Procedure(code="1.000001", name="Thủ tục có sẵn"))
        session.commit()
    with old.begin() as connection:  # made before the lookup locks and a portal column existed
        connection.exec_driver_sql("DROP TABLE dossier_lookup_locks")
        connection.exec_driver_sql("ALTER TABLE procedures DROP COLUMN decision")
    assert current_revision(old) is None
    old.dispose()

    engine = get_engine(empty_database)
    assert current_revision(engine) == head_revision()
    assert differences_from_the_models(engine) == []
    with Session(engine) as session:
        assert session.scalar(sa.select(Procedure.name).where(Procedure.code == "1.000001")) == "Thủ tục có sẵn"


def test_the_migrate_command_brings_the_database_up(empty_database):
    done = subprocess.run(
        [sys.executable, "-m", "procedures_db", "migrate"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": empty_database,
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        },
    )
    assert done.returncode == 0, done.stderr
    assert f"database schema at revision {head_revision()} (newest: {head_revision()})" in done.stdout
    engine = sa.create_engine(empty_database, future=True)
    assert current_revision(engine) == head_revision() and differences_from_the_models(engine) == []
    engine.dispose()
