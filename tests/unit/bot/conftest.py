"""Fixtures of the Rasa plug-in tests (bot/ and below): a throwaway Redis, fresh PostgreSQL databases."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.servers import RedisServer


@pytest.fixture(scope="session")
def redis_server():
    """A real Redis (installed with apt-get when missing and running as root), for the session."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def redis_url(redis_server) -> str:
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    return redis_server.url


@pytest.fixture
def fresh_pg_url(postgres_url) -> str:
    """An empty database in the session's PostgreSQL cluster (own `events` table per test)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", future=True)
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = postgres_url.rsplit("/", 1)[0] + "/" + name
    yield url
    engine = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT", future=True)
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
