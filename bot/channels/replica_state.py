"""Small pieces of channel state that every Rasa replica must see.

A platform's webhook call reaches whichever replica the load balancer picks, so
what one call leaves for the next must not live in one process: the options
offered as numbered text (the citizen's "2" may reach another replica), the ids
of events already handled (a retry may reach another replica), the rotated Zalo
token pair and the lock that lets one replica only refresh it.

With ``REDIS_URL`` set, values live in Redis under
``<REDIS_KEY_PREFIX>:ch:<namespace>:<hash of the key>`` (no sender id in clear),
each with a time to live; "remember once" is one atomic ``SET NX``. Unset, they
live in this process's memory (bounded, expiring: one replica only), as before.

Redis errors fall back to memory for ``REDIS_RETRY_SECONDS`` (default 5), logged
once, like the rate limits and locks: the citizen is still answered; only a
numbered reply or a retried event crossing replicas during the outage is missed.
Calls are synchronous with a 0.5 s socket timeout, as the rate limiter's: a
Redis next to the replicas answers in well under a millisecond.
"""

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Callable, Dict, Generic, Iterator, Optional, Text, Tuple
from typing import TypeVar

from core.settings import Settings

logger = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")

DEFAULT_MAX_ITEMS = 10_000
DEFAULT_KEY_PREFIX = "dvc"  # as bot/stores/lock_store.py and bot/rate_limit.py


class TtlCache(Generic[K, V]):
    """A small LRU map whose entries also expire after `ttl_seconds`.

    Meant for use from a single event loop (no locking).
    """

    def __init__(
        self,
        max_items: int,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_items < 1:
            raise ValueError("max_items must be at least 1")
        self._max_items = max_items
        self._ttl = ttl_seconds
        self._clock = clock
        self._items: "OrderedDict[K, Tuple[float, V]]" = OrderedDict()

    def put(self, key: K, value: V, ttl_seconds: Optional[float] = None) -> None:
        ttl = self._ttl if ttl_seconds is None else ttl_seconds
        self._items[key] = (self._clock() + ttl, value)
        self._items.move_to_end(key)
        while len(self._items) > self._max_items:
            self._items.popitem(last=False)

    def get(self, key: K) -> Optional[V]:
        item = self._items.get(key)
        if item is None:
            return None
        expires_at, value = item
        if expires_at <= self._clock():
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return value

    def pop(self, key: K) -> Optional[V]:
        value = self.get(key)
        self._items.pop(key, None)
        return value

    def add_if_absent(self, key: K, value: V, ttl_seconds: Optional[float] = None) -> bool:
        """Stores `value` unless a live entry exists; True when it was stored."""
        if self.get(key) is not None:
            return False
        self.put(key, value, ttl_seconds)
        return True

    def __len__(self) -> int:
        return len(self._items)


class MemoryState:
    """Per-process state: one bounded expiring map per namespace."""

    shared = False

    def __init__(
        self,
        max_items: int = DEFAULT_MAX_ITEMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_items = max_items
        self._clock = clock
        self._maps: Dict[Text, TtlCache[Text, Text]] = {}
        self._locks: Dict[Text, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _map(self, namespace: Text) -> "TtlCache[Text, Text]":
        if namespace not in self._maps:
            self._maps[namespace] = TtlCache(self._max_items, 0, self._clock)
        return self._maps[namespace]

    def get(self, namespace: Text, key: Text) -> Optional[Text]:
        return self._map(namespace).get(key)

    def put(self, namespace: Text, key: Text, value: Text, ttl: float) -> None:
        self._map(namespace).put(key, value, ttl)

    def take(self, namespace: Text, key: Text) -> Optional[Text]:
        """The value, removed: whoever takes it first is the only one to get it."""
        return self._map(namespace).pop(key)

    def delete(self, namespace: Text, key: Text) -> None:
        self._map(namespace).pop(key)

    def add_if_absent(self, namespace: Text, key: Text, ttl: float) -> bool:
        return self._map(namespace).add_if_absent(key, "1", ttl)

    @contextmanager
    def lock(self, namespace: Text, key: Text, timeout: float) -> Iterator[None]:
        """Mutual exclusion within this process (callable from worker threads)."""
        with self._locks_guard:
            lock = self._locks.setdefault(f"{namespace}:{key}", threading.Lock())
        if not lock.acquire(timeout=timeout):
            raise TimeoutError(f"{namespace} lock not acquired in {timeout:.0f} s")
        try:
            yield
        finally:
            lock.release()


class RedisState:
    """State shared by the replicas through Redis; memory while Redis is down."""

    shared = True

    def __init__(
        self,
        url: Text,
        prefix: Text,
        retry_seconds: float = 5.0,
        socket_timeout: float = 0.5,
    ) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
        self._prefix = f"{prefix}:ch:"
        self._fallback = MemoryState()
        self._retry_seconds = retry_seconds
        self._down_until = 0.0

    def redis_key(self, namespace: Text, key: Text) -> Text:
        digest = hashlib.blake2b(key.encode("utf-8"), digest_size=16).hexdigest()
        return f"{self._prefix}{namespace}:{digest}"

    def _call(self, fallback: Callable[[], Any], command: Callable[[], Any]) -> Any:
        if time.monotonic() < self._down_until:
            return fallback()
        try:
            return command()
        except Exception as error:  # redis.RedisError, OSError: keep going in memory
            self._failed(error)
            return fallback()

    def _failed(self, error: BaseException) -> None:
        if time.monotonic() >= self._down_until:
            logger.warning(
                "Redis unavailable for the channels' shared state (%s): kept in " "this process for %.0f s",
                type(error).__name__,
                self._retry_seconds,
            )
        self._down_until = time.monotonic() + self._retry_seconds

    def get(self, namespace: Text, key: Text) -> Optional[Text]:
        value = self._call(
            lambda: self._fallback.get(namespace, key),
            lambda: self.client.get(self.redis_key(namespace, key)),
        )
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def put(self, namespace: Text, key: Text, value: Text, ttl: float) -> None:
        self._call(
            lambda: self._fallback.put(namespace, key, value, ttl),
            lambda: self.client.set(self.redis_key(namespace, key), value, px=max(1, int(ttl * 1000))),
        )

    def take(self, namespace: Text, key: Text) -> Optional[Text]:
        value = self._call(
            lambda: self._fallback.take(namespace, key),
            lambda: self.client.getdel(self.redis_key(namespace, key)),
        )
        return value.decode("utf-8") if isinstance(value, bytes) else value

    def delete(self, namespace: Text, key: Text) -> None:
        self._call(
            lambda: self._fallback.delete(namespace, key),
            lambda: self.client.delete(self.redis_key(namespace, key)),
        )

    def add_if_absent(self, namespace: Text, key: Text, ttl: float) -> bool:
        return bool(
            self._call(
                lambda: self._fallback.add_if_absent(namespace, key, ttl),
                lambda: self.client.set(
                    self.redis_key(namespace, key),
                    "1",
                    nx=True,
                    px=max(1, int(ttl * 1000)),
                ),
            )
        )

    @contextmanager
    def lock(self, namespace: Text, key: Text, timeout: float) -> Iterator[None]:
        """One holder across all replicas (redis-py's Lock: SET NX with an
        expiry, released only by its owner). `timeout` bounds both the wait and
        how long a crashed holder can keep it. While Redis is down: a lock of
        this process only."""
        import redis

        if time.monotonic() < self._down_until:
            with self._fallback.lock(namespace, key, timeout):
                yield
            return
        lock = self.client.lock(
            self.redis_key(namespace, key) + ":lock",
            timeout=timeout,
            blocking_timeout=timeout,
        )
        try:
            acquired = lock.acquire()
        except redis.RedisError as error:
            self._failed(error)
            with self._fallback.lock(namespace, key, timeout):
                yield
            return
        if not acquired:
            raise TimeoutError(f"{namespace} lock not acquired in {timeout:.0f} s")
        try:
            yield
        finally:
            try:
                lock.release()
            except redis.RedisError as error:  # expires by itself after `timeout`
                self._failed(error)


def shared_state_from_env(environ: Optional[Dict[Text, Text]] = None) -> Any:
    """RedisState when REDIS_URL is set, else MemoryState."""
    env = Settings(environ)  # .get(): the value exactly as set, the default when unset
    url = env.get("REDIS_URL", "").strip()
    if not url:
        return MemoryState()
    if not url.startswith(("redis://", "rediss://")):
        raise ValueError("REDIS_URL must start with redis:// or rediss://")
    prefix = env.get("REDIS_KEY_PREFIX", "").strip() or DEFAULT_KEY_PREFIX
    if not prefix.isalnum():
        raise ValueError(f"REDIS_KEY_PREFIX must be letters and digits only, not {prefix!r}")
    return RedisState(url, prefix, retry_seconds=float(env.get("REDIS_RETRY_SECONDS", "5")))
