"""Fixtures for the channel tests; `async def` tests run in a fresh event loop
(no pytest-asyncio needed). The test doubles live in helpers.py."""

import asyncio
import inspect
from typing import Callable, Iterator, Optional

import pytest

from tests.unit.bot.channels.helpers import FakeHttpApi


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Optional[bool]:
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(asyncio.wait_for(pyfuncitem.obj(**arguments), timeout=30))
    return True


@pytest.fixture
def fake_graph_api() -> Iterator[FakeHttpApi]:
    api = FakeHttpApi({"recipient_id": "user", "message_id": "m_sent"})
    yield api
    api.close()


@pytest.fixture
def fake_zalo_api() -> Iterator[FakeHttpApi]:
    api = FakeHttpApi({"error": 0, "message": "Success", "data": {"message_id": "z"}})
    yield api
    api.close()


@pytest.fixture
def rate_limits(monkeypatch) -> Callable[..., None]:
    """Sets the RATE_LIMIT_* environment read by channels created afterwards:
    limits as "<messages>/<seconds>", all off unless given; loopback not exempt."""

    def configure(sender: str = "0", ip: str = "0", lookup: str = "0", trusted_proxies: str = "") -> None:
        monkeypatch.delenv("REDIS_URL", raising=False)
        monkeypatch.setenv("RATE_LIMIT_ENABLED", "true")
        monkeypatch.setenv("RATE_LIMIT_SENDER", sender)
        monkeypatch.setenv("RATE_LIMIT_IP", ip)
        monkeypatch.setenv("RATE_LIMIT_LOOKUP", lookup)
        monkeypatch.setenv("RATE_LIMIT_EXEMPT_IPS", "")
        monkeypatch.setenv("TRUSTED_PROXIES", trusted_proxies)

    return configure


@pytest.fixture
def redis_url(redis_server, monkeypatch) -> str:
    """An empty Redis, named by REDIS_URL for the channels created afterwards."""
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    monkeypatch.setenv("REDIS_URL", redis_server.url)
    monkeypatch.delenv("REDIS_KEY_PREFIX", raising=False)
    return redis_server.url


@pytest.fixture(scope="session", autouse=True)
def channel_store(seeded_sqlite_url) -> Iterator[str]:
    """The store the channels see (the live hand-over check, its delivery loop): a throwaway seeded database,
    never the developer's var/assistant.db, whose hand-overs would otherwise be swept and sent to the fakes."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", seeded_sqlite_url)
        yield seeded_sqlite_url
