"""The environment-selected lock store (bot/stores/lock_store.py) on a real Redis."""

from __future__ import annotations

import asyncio
import multiprocessing
import time

import pytest
import redis
from rasa.core.lock_store import InMemoryLockStore, LockStore
from rasa.utils.endpoints import EndpointConfig

from bot.stores import lock_store as module
from bot.stores.lock_store import EnvLockStore
from tests.servers import RedisServer


def test_created_by_rasa_from_the_endpoints_type(monkeypatch, redis_url):
    monkeypatch.setenv("REDIS_URL", redis_url)
    store = LockStore.create(EndpointConfig(type="bot.stores.lock_store.EnvLockStore"))
    assert isinstance(store, EnvLockStore) and store.redis is not None and store.redis.prefix == "dvc"
    monkeypatch.delenv("REDIS_URL")
    store = LockStore.create(EndpointConfig(type="bot.stores.lock_store.EnvLockStore"))
    assert store.redis is None and isinstance(store._memory, InMemoryLockStore)


def test_settings_are_checked(monkeypatch, redis_url):
    monkeypatch.setenv("REDIS_KEY_PREFIX", "prov48")
    assert EnvLockStore(redis_url=redis_url).redis.prefix == "prov48"
    monkeypatch.setenv("REDIS_KEY_PREFIX", "dvc-48")
    with pytest.raises(ValueError):
        EnvLockStore(redis_url=redis_url)
    monkeypatch.delenv("REDIS_KEY_PREFIX")
    with pytest.raises(ValueError):
        EnvLockStore(redis_url="http://localhost:6379")


def test_several_worker_processes_need_redis(monkeypatch, redis_url):
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setenv("SANIC_WORKERS", "2")
    with pytest.raises(ValueError, match="SANIC_WORKERS > 1 needs REDIS_URL"):
        EnvLockStore()
    assert EnvLockStore(redis_url=redis_url).redis is not None
    monkeypatch.setenv("SANIC_WORKERS", "1")
    assert EnvLockStore().redis is None


def _replica(url: str, conversation: str, start_at: float, turns: int, log) -> None:
    """One Rasa process's worth of turns on a conversation, all starting at the same instant."""
    store = EnvLockStore(redis_url=url)

    async def turn(index: int) -> None:
        async with store.lock(conversation, lock_lifetime=30):
            log.append(("start", index))
            await asyncio.sleep(0.01)
            log.append(("end", index))

    async def main() -> None:
        await asyncio.sleep(max(0.0, start_at - time.time()))
        await asyncio.gather(*(turn(i) for i in range(turns)))

    asyncio.run(main())


def test_processes_racing_for_one_conversation_never_overlap(redis_url):
    """What broke Rasa's RedisLockStore: four processes taking tickets at the same moment."""
    with multiprocessing.Manager() as manager:
        log = manager.list()
        start_at = time.time() + 1.0
        workers = [
            multiprocessing.Process(target=_replica, args=(redis_url, "conv-1", start_at, 5, log)) for _ in range(4)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        trace = list(log)
    assert len(trace) == 40
    for i in range(0, 40, 2):  # every start is immediately followed by its own end
        assert trace[i][0] == "start" and trace[i + 1][0] == "end"
    assert redis.Redis.from_url(redis_url).keys("dvc:lock:*") == []  # the last one out cleaned up


def test_turns_keep_their_arrival_order_and_keys_carry_no_sender_id(redis_url):
    store = EnvLockStore(redis_url=redis_url)
    client = redis.Redis.from_url(redis_url)
    order, seen_keys = [], []

    async def turn(index: int):
        async with store.lock("zalo-user-123456", wait_time_in_seconds=0.01):
            order.append(index)
            seen_keys.extend(client.keys("dvc:lock:*"))
            await asyncio.sleep(0.01)

    async def main():
        tasks = []
        for i in range(6):
            tasks.append(asyncio.create_task(turn(i)))
            await asyncio.sleep(0.002)  # arrival order
        await asyncio.gather(*tasks)

    asyncio.run(main())
    assert order == list(range(6))
    assert seen_keys and all(b"zalo-user" not in key for key in seen_keys)


def test_a_dead_replicas_ticket_expires(redis_url):
    store = EnvLockStore(redis_url=redis_url)

    async def main():
        await store.redis.issue("conv-3", lifetime=0.5)  # taken by a replica that then died
        started = time.monotonic()
        async with store.lock("conv-3"):
            return time.monotonic() - started

    waited = asyncio.run(main())
    assert 0.3 < waited < 1.5


def test_redis_down_falls_back_to_memory_and_comes_back(monkeypatch):
    monkeypatch.setattr(module, "RETRY_SECONDS", 0.5)
    server = RedisServer().start()
    try:
        store = EnvLockStore(redis_url=server.url)

        async def one_turn():
            async with store.lock("conv-2", wait_time_in_seconds=0.01):
                return True

        assert asyncio.run(one_turn()) and store.redis_available()
        server.stop()
        started = time.monotonic()
        assert asyncio.run(one_turn())  # still served, locked in memory
        assert not store.redis_available()
        assert asyncio.run(one_turn())  # while Redis is marked down: memory, no waiting on sockets
        assert time.monotonic() - started < 5
        server.start()
        time.sleep(0.6)
        assert store.redis_available() and asyncio.run(one_turn())
        assert redis.Redis.from_url(server.url).info("commandstats").get("cmdstat_eval", {}).get("calls", 0) >= 3
    finally:
        server.cleanup()
