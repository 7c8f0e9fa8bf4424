"""Rasa's lock store chosen by the environment: Redis shared by the replicas, or in memory.

``bot/endpoints.yml``::

    lock_store:
      type: bot.stores.lock_store.EnvLockStore

Rasa handles the messages of one conversation one at a time, in arrival order,
by taking a ticket lock on the conversation. With several Rasa replicas the
lock must be shared: ``REDIS_URL`` set (``redis://[:password@]host:6379/0``,
``rediss://`` for TLS) keeps it in Redis under ``REDIS_KEY_PREFIX`` (default
``dvc``, letters and digits only). Unset, locks live in this process's memory
(one replica: docs/interfaces.md).

Why not Rasa's ``RedisLockStore``: it keeps a conversation's tickets in one JSON
value that it reads, changes and writes back in separate commands, so two
replicas taking a ticket at the same moment can both get the same number and
run the same conversation at once (measured: messages lost from the tracker,
tests/integration/test_topology.py). Here each step is one atomic Lua script on
a per-conversation queue (a sorted set of ticket numbers, with their expiry
times on the Redis server's clock):

- take a ticket: ``INCR`` the conversation's counter, queue the number;
- acquire: drop expired tickets at the head; ours at the head means our turn;
- release: remove our ticket; the last one out deletes the keys.

Keys are ``<prefix>:lock:{<hash of the conversation id>}:...`` (the braces keep
them in one Redis Cluster slot; no sender id in clear) and expire by themselves.
A ticket left by a replica killed mid-turn expires after ``TICKET_LOCK_LIFETIME``
seconds (Rasa's setting, default 60). Waiting turns poll every
``LOCK_POLL_SECONDS`` (default 0.05; Rasa waits a whole second).

Redis down does not stop the assistant: the turn takes a lock in this process's
memory instead (each replica still serialises the conversations it handles;
only two replicas receiving the same conversation at the same moment could
interleave), Redis is retried after ``REDIS_RETRY_SECONDS`` (default 5), and
nothing is lost.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text
from urllib.parse import urlsplit

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from core.settings import current as settings

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "dvc"
SOCKET_TIMEOUT_SECONDS = float(settings().raw("REDIS_SOCKET_TIMEOUT") or "2")
RETRY_SECONDS = float(settings().raw("REDIS_RETRY_SECONDS") or "5")
POLL_SECONDS = float(settings().raw("LOCK_POLL_SECONDS") or "0.05")

_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
# KEYS: queue (sorted set, score = ticket), expiries (hash ticket -> ms), counter. ARGV: lifetime ms.
_ISSUE = (
    _NOW_MS
    + """
local ticket = redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[1], ticket, ticket)
redis.call('HSET', KEYS[2], ticket, now + tonumber(ARGV[1]))
local ttl = tonumber(ARGV[1]) + 10000
for i = 1, 3 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return ticket
"""
)
# KEYS: queue, expiries. ARGV: ticket. 1 = our turn, 0 = wait, -1 = our ticket expired.
_ACQUIRE = (
    _NOW_MS
    + """
local head = redis.call('ZRANGE', KEYS[1], 0, 0)
while head[1] do
  local expiry = tonumber(redis.call('HGET', KEYS[2], head[1]) or '0')
  if expiry >= now then break end
  redis.call('ZREM', KEYS[1], head[1])
  redis.call('HDEL', KEYS[2], head[1])
  head = redis.call('ZRANGE', KEYS[1], 0, 0)
end
if head[1] == ARGV[1] then return 1 end
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
return -1
"""
)
# KEYS: queue, expiries, counter. ARGV: ticket.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return 1
"""


def redis_key_prefix() -> str:
    prefix = settings().raw("REDIS_KEY_PREFIX") or DEFAULT_KEY_PREFIX
    if not prefix.isalnum():
        raise ValueError(f"REDIS_KEY_PREFIX must be letters and digits only, not {prefix!r}")
    return prefix


def check_redis_url(url: str) -> str:
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise ValueError(f"REDIS_URL must start with redis:// or rediss://, not {url.split(':', 1)[0]}://")
    return url


class RedisTicketQueue:
    """Fair (first come, first served) conversation locks in Redis; every step is atomic."""

    def __init__(self, url: str, prefix: str, socket_timeout: float = SOCKET_TIMEOUT_SECONDS) -> None:
        self.url = check_redis_url(url)
        self.prefix = prefix
        self.socket_timeout = socket_timeout
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._client: Any = None

    def _redis(self) -> Any:
        """The asyncio client of the running loop (one per loop: connections belong to their loop)."""
        import redis.asyncio  # type: ignore[import-untyped]

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            self._client = redis.asyncio.Redis.from_url(
                self.url, socket_timeout=self.socket_timeout, socket_connect_timeout=self.socket_timeout
            )
            self._loop = loop
        return self._client

    def keys(self, conversation_id: Text) -> list:
        digest = hashlib.blake2b(conversation_id.encode("utf-8"), digest_size=12).hexdigest()
        base = f"{self.prefix}:lock:{{{digest}}}"
        return [f"{base}:queue", f"{base}:expiry", f"{base}:counter"]

    async def issue(self, conversation_id: Text, lifetime: float) -> int:
        keys = self.keys(conversation_id)
        return int(await self._redis().eval(_ISSUE, 3, *keys, int(lifetime * 1000)))

    async def wait_for_turn(self, conversation_id: Text, ticket: int, poll: float) -> None:
        queue, expiry, _ = self.keys(conversation_id)
        while True:
            state = int(await self._redis().eval(_ACQUIRE, 2, queue, expiry, str(ticket)))
            if state == 1:
                return
            if state == -1:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            await asyncio.sleep(poll)

    async def release(self, conversation_id: Text, ticket: int) -> None:
        await self._redis().eval(_RELEASE, 3, *self.keys(conversation_id), str(ticket))


def sanic_workers() -> int:
    """Rasa server processes on this machine (Rasa's SANIC_WORKERS, default 1)."""
    try:
        return int(settings().raw("SANIC_WORKERS") or "1")
    except ValueError:
        return 1


class EnvLockStore(LockStore):
    """Redis ticket queue when REDIS_URL is set, else Rasa's InMemoryLockStore; Redis errors fall back to memory."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, redis_url: Optional[str] = None) -> None:
        url = redis_url or (endpoint_config.url if endpoint_config and endpoint_config.url else None)
        url = url or settings().raw("REDIS_URL") or None
        self._memory = InMemoryLockStore()
        self.redis: Optional[RedisTicketQueue] = RedisTicketQueue(url, redis_key_prefix()) if url else None
        self._redis_down_until = 0.0
        if self.redis:
            parts = urlsplit(url)
            logger.info("Lock store: Redis at %s:%s (prefix %s)", parts.hostname, parts.port or 6379, self.redis.prefix)
        elif sanic_workers() > 1:
            # Each worker is a process with its own memory: their locks would not see each other.
            raise ValueError("SANIC_WORKERS > 1 needs REDIS_URL: the worker processes must share conversation locks")
        else:
            logger.info("Lock store: in memory (REDIS_URL unset: one Rasa replica only)")
        super().__init__()

    # LockStore's primitives (used by its ticket logic in memory mode).
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        return self._memory.get_lock(conversation_id)

    def delete_lock(self, conversation_id: Text) -> None:
        self._memory.delete_lock(conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        self._memory.save_lock(lock)

    def redis_available(self) -> bool:
        return self.redis is not None and time.monotonic() >= self._redis_down_until

    @asynccontextmanager
    async def lock(
        self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncGenerator[Optional[TicketLock], None]:
        poll = min(wait_time_in_seconds, POLL_SECONDS)
        ticket = None
        redis = self.redis if self.redis_available() else None
        if redis is not None:
            try:
                ticket = await redis.issue(conversation_id, lock_lifetime)
                await redis.wait_for_turn(conversation_id, ticket, poll)
            except LockError:
                raise
            except Exception as error:  # redis.RedisError, OSError, timeouts
                self._redis_failed(error)
                if ticket is not None:  # a transient error: do not leave others waiting for it
                    try:
                        await redis.release(conversation_id, ticket)
                    except Exception:
                        pass
                ticket = None
        if redis is None or ticket is None:
            async with self._memory.lock(conversation_id, lock_lifetime, poll) as lock:
                yield lock
            return
        try:
            yield None
        finally:
            try:
                await redis.release(conversation_id, ticket)
            except Exception as error:  # the ticket expires by itself after lock_lifetime
                self._redis_failed(error)

    def _redis_failed(self, error: BaseException) -> None:
        if time.monotonic() >= self._redis_down_until:
            logger.warning(
                "Redis lock store unavailable (%s): locking in this process for %.0f s",
                type(error).__name__,
                RETRY_SECONDS,
            )
        self._redis_down_until = time.monotonic() + RETRY_SECONDS
