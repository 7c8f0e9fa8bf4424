"""Token-bucket rate limits for the input channels: per sender, per client IP, per dossier lookup.

Every channel applies them (REST, socket.io, Zalo, Messenger; no Rasa import here)::

    from bot.rate_limit import ChannelGuard
    guard = ChannelGuard.from_env()            # once, when the channel is created
    refusal = guard.check(sender_id, client_ip, text)
    if refusal:                                # answer refusal.reply(), do not call the bot
        ...

Zalo and Messenger pass no client address (``client_ip=None``): the platform's
servers are the HTTP peer, so only the sender and lookup buckets apply, both
per user. ``bot.channels.apply_limits`` does this for the channels that answer
through an output channel.

A bucket holds up to ``capacity`` tokens and refills ``capacity`` tokens per
``period`` seconds; an empty bucket refuses. A message takes one token from each
bucket that applies to it, and only when every one of them has a token: a message
one limit refuses costs nothing in the others (a client flooding its own
conversation does not use up the address's budget that its neighbours share). Limits
come from the environment as ``"<messages>/<seconds>"`` (0 disables one):

=========================== ========= =====================================================
variable                    default   bucket
=========================== ========= =====================================================
``RATE_LIMIT_SENDER``       20/60     messages of one conversation (sender id)
``RATE_LIMIT_IP``           120/60    messages from one client address (a commune support
                                      point or a mobile carrier's NAT puts many citizens
                                      behind one address: keep it generous); REST and
                                      socket.io only
``RATE_LIMIT_LOOKUP``       10/600    messages carrying a dossier code (as typed, or written
                                      with JSON escapes in a ``/intent{...}`` payload), per
                                      client address, per user on Zalo and Messenger (slows
                                      down guessing;
                                      each conversation also locks a code after 3 wrong
                                      phone digits)
=========================== ========= =====================================================

``RATE_LIMIT_ENABLED=false`` turns all limits off. Requests from the loopback
address that were not forwarded by a proxy (local tools, tests, benchmarks) are
not limited (``RATE_LIMIT_EXEMPT_IPS``, default ``127.0.0.1,::1``; empty: none).
Behind a reverse proxy, list its addresses in ``TRUSTED_PROXIES`` (addresses or
networks, comma-separated) so that the client address is taken from
``X-Forwarded-For``.

Buckets live in this process's memory, or in Redis when ``REDIS_URL`` is set,
so that the replicas share them (keys ``<REDIS_KEY_PREFIX>:rl:...``, hashed, expiring
when full again). Redis errors fall back to memory for ``REDIS_RETRY_SECONDS``.
One script takes from all the buckets of a message at once: it needs one Redis
server (or a replicated primary), not a Redis Cluster, whose keys of one message
would lie in different slots.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import re
import threading
import time
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from core.settings import Settings
from core.text import DOSSIER_CODE_PATTERN
from core.wording import SLOW_DOWN_REPLY

logger = logging.getLogger(__name__)

DEFAULTS = {"RATE_LIMIT_SENDER": "20/60", "RATE_LIMIT_IP": "120/60", "RATE_LIMIT_LOOKUP": "10/600"}
MAX_MEMORY_KEYS = 100_000


@dataclass(frozen=True)
class Rate:
    capacity: float
    period: float

    @property
    def per_second(self) -> float:
        return self.capacity / self.period

    @classmethod
    def parse(cls, text: str) -> Optional["Rate"]:
        """``"20/60"`` is 20 messages per 60 seconds; ``"0"`` or empty disables."""
        text = (text or "").strip()
        if not text or text in ("0", "off", "none"):
            return None
        count, _, seconds = text.partition("/")
        rate = cls(float(count), float(seconds or 1))
        if rate.capacity <= 0 or rate.period <= 0:
            return None
        return rate


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float = 0.0


class MemoryBuckets:
    """Token buckets in this process (thread-safe)."""

    def __init__(self, max_keys: int = MAX_MEMORY_KEYS, clock=time.monotonic) -> None:
        self._buckets: Dict[str, Tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._max_keys = max_keys
        self._clock = clock

    def take(self, key: str, rate: Rate, cost: float = 1.0) -> Decision:
        return self.take_all([(key, rate)], cost)[0]

    def take_all(self, limits: Sequence[Tuple[str, Rate]], cost: float = 1.0) -> List[Decision]:
        """One token from every bucket if each has one, else from none (one decision per bucket)."""
        now = self._clock()
        with self._lock:
            levels = []
            for key, rate in limits:
                tokens, last = self._buckets.get(key, (rate.capacity, now))
                levels.append(min(rate.capacity, tokens + (now - last) * rate.per_second))
            allowed = all(tokens >= cost for tokens in levels)
            for (key, rate), tokens in zip(limits, levels):
                self._buckets[key] = (tokens - cost if allowed else tokens, now)
            if len(self._buckets) > self._max_keys:
                self._forget_full(limits[0][1], now)
        return _decisions(limits, levels, cost, allowed)

    def _forget_full(self, rate: Rate, now: float) -> None:
        """Drops buckets that are full again (idle senders): they would start full anyway."""
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * rate.per_second >= rate.capacity:
                del self._buckets[key]
        if len(self._buckets) > self._max_keys:  # still too many: forget the oldest half
            for key, _ in sorted(self._buckets.items(), key=lambda item: item[1][1])[: self._max_keys // 2]:
                del self._buckets[key]


def _decisions(
    limits: Sequence[Tuple[str, Rate]], levels: Sequence[float], cost: float, allowed: bool
) -> List[Decision]:
    """Per bucket: allowed (all took a token) or how long until it holds ``cost`` tokens again."""
    return [
        Decision(allowed, 0.0 if allowed or tokens >= cost else (cost - tokens) / rate.per_second)
        for (_, rate), tokens in zip(limits, levels)
    ]


# Atomic token buckets in Redis, on the server's clock (replicas' clocks may differ):
# KEYS are the buckets, ARGV the cost then each bucket's capacity and refill rate.
# A token is taken from every bucket or from none, so a message refused by one
# limit (a flooding sender) costs nothing in the others (the address its
# neighbours share). Returns allowed (1/0) and each bucket's level before taking.
_REDIS_TAKE = """
local cost = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local levels = {}
local allowed = 1
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i])
  local per_second = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(state[1]) or capacity
  local last = tonumber(state[2]) or now
  tokens = math.min(capacity, tokens + math.max(0, now - last) * per_second)
  levels[i] = tokens
  if tokens < cost then allowed = 0 end
end
local result = {allowed}
for i, key in ipairs(KEYS) do
  local capacity = tonumber(ARGV[2 * i])
  local per_second = tonumber(ARGV[2 * i + 1])
  local tokens = levels[i]
  if allowed == 1 then tokens = tokens - cost end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('EXPIRE', key, math.ceil(capacity / per_second) + 1)
  result[i + 1] = tostring(levels[i])
end
return result
"""


class RedisBuckets:
    """Token buckets shared by the replicas; falls back to memory while Redis is down."""

    def __init__(self, url: str, prefix: str, retry_seconds: float = 5.0, socket_timeout: float = 0.5) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=socket_timeout)
        self._script = self._client.register_script(_REDIS_TAKE)
        self._prefix = f"{prefix}:rl:"
        self._fallback = MemoryBuckets()
        self._retry_seconds = retry_seconds
        self._down_until = 0.0

    def take(self, key: str, rate: Rate, cost: float = 1.0) -> Decision:
        return self.take_all([(key, rate)], cost)[0]

    def take_all(self, limits: Sequence[Tuple[str, Rate]], cost: float = 1.0) -> List[Decision]:
        """One token from every bucket if each has one, else from none (atomic in Redis)."""
        if time.monotonic() < self._down_until:
            return self._fallback.take_all(limits, cost)
        args: List[float] = [cost]
        for _, rate in limits:
            args += [rate.capacity, rate.per_second]
        try:
            allowed, *levels = self._script(keys=[self._prefix + key for key, _ in limits], args=args)
        except Exception as error:  # redis.RedisError, OSError: keep limiting, in memory
            if time.monotonic() >= self._down_until:
                logger.warning(
                    "Redis rate limiter unavailable (%s): limiting in memory for %.0f s",
                    type(error).__name__,
                    self._retry_seconds,
                )
            self._down_until = time.monotonic() + self._retry_seconds
            return self._fallback.take_all(limits, cost)
        return _decisions(limits, [float(level) for level in levels], cost, bool(allowed))


def _hashed(kind: str, value: str) -> str:
    """Bucket keys carry no address or sender id in clear (they may sit in Redis)."""
    return f"{kind}:{hashlib.blake2b(value.encode('utf-8'), digest_size=12).hexdigest()}"


@dataclass(frozen=True)
class Refusal:
    reason: str  # "sender", "ip" or "lookup"
    retry_after: float

    def reply(self) -> str:
        return SLOW_DOWN_REPLY.format(seconds=max(1, int(self.retry_after + 0.999)))


def _networks(text: str) -> List[ipaddress._BaseNetwork]:
    networks: List[ipaddress._BaseNetwork] = []
    for item in (text or "").split(","):
        item = item.strip()
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return networks


def _in(address: str, networks: Iterable[ipaddress._BaseNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class ChannelGuard:
    """The limits a channel applies before handing a message to the bot."""

    def __init__(
        self,
        sender: Optional[Rate],
        ip: Optional[Rate],
        lookup: Optional[Rate],
        buckets=None,
        exempt: str = "127.0.0.1,::1",
        trusted_proxies: str = "",
        enabled: bool = True,
    ) -> None:
        self.sender, self.ip, self.lookup = sender, ip, lookup
        self.buckets = buckets or MemoryBuckets()
        self.exempt = _networks(exempt)
        self.trusted_proxies = _networks(trusted_proxies)
        self.enabled = enabled
        self._warned_untrusted_proxy = False

    @classmethod
    def from_env(cls, environ: Optional[Dict[str, str]] = None) -> "ChannelGuard":
        env = Settings(environ)  # .get(): the value exactly as set, the default when unset
        buckets = None
        redis_url = env.get("REDIS_URL", "").strip()
        if redis_url:
            prefix = env.get("REDIS_KEY_PREFIX", "").strip() or "dvc"
            buckets = RedisBuckets(redis_url, prefix, retry_seconds=float(env.get("REDIS_RETRY_SECONDS", "5")))
        return cls(
            sender=Rate.parse(env.get("RATE_LIMIT_SENDER", DEFAULTS["RATE_LIMIT_SENDER"])),
            ip=Rate.parse(env.get("RATE_LIMIT_IP", DEFAULTS["RATE_LIMIT_IP"])),
            lookup=Rate.parse(env.get("RATE_LIMIT_LOOKUP", DEFAULTS["RATE_LIMIT_LOOKUP"])),
            buckets=buckets,
            exempt=env.get("RATE_LIMIT_EXEMPT_IPS", "127.0.0.1,::1"),
            trusted_proxies=env.get("TRUSTED_PROXIES", ""),
            enabled=env.get("RATE_LIMIT_ENABLED", "true").strip().lower() not in ("0", "false", "no", "off"),
        )

    def client_ip(self, peer: str, forwarded_for: Optional[str] = None, real_ip: Optional[str] = None) -> str:
        """The client's address: the peer, or what a trusted proxy says in front of it."""
        if not _in(peer, self.trusted_proxies):
            if (forwarded_for or real_ip) and not self._warned_untrusted_proxy:
                self._warned_untrusted_proxy = True
                logger.warning(
                    "Forwarded request from %s, which is not in TRUSTED_PROXIES: rate limits "
                    "count the proxy's address, not the client's",
                    peer,
                )
            return peer
        hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        # The right-most address not added by one of our proxies is the client.
        for hop in reversed(hops):
            if not _in(hop, self.trusted_proxies):
                return hop
        return (real_ip or "").strip() or (hops[0] if hops else peer)

    def is_exempt(self, ip: str, forwarded: bool = False) -> bool:
        return not self.enabled or (not forwarded and _in(ip, self.exempt))

    def check(
        self, sender_id: Optional[str], ip: Optional[str], text: Optional[str] = None, forwarded: bool = False
    ) -> Optional[Refusal]:
        """None when the message may go to the bot, else why not and for how long."""
        if self.is_exempt(ip or "", forwarded):
            return None
        checks = []
        if self.ip and ip:
            checks.append(("ip", _hashed("ip", ip), self.ip))
        if self.sender and sender_id:
            checks.append(("sender", _hashed("sender", str(sender_id)), self.sender))
        # Per client address; per sender where there is none (Zalo, Messenger).
        lookup_key = ip or sender_id
        if self.lookup and lookup_key and mentions_dossier_code(text):
            checks.append(("lookup", _hashed("lookup", str(lookup_key)), self.lookup))
        if not checks:
            return None
        # All or nothing: a message one limit refuses takes no token from the others,
        # so a client flooding its own conversation does not use up the budget of the
        # citizens behind the same address.
        decisions = self.buckets.take_all([(key, rate) for _, key, rate in checks])
        if decisions[0].allowed:
            return None
        # The limit that holds the message back longest says when to come back.
        reason, decision = max(zip((reason for reason, _, _ in checks), decisions), key=lambda rd: rd[1].retry_after)
        return Refusal(reason, decision.retry_after)


# JSON string escapes (\u0030, \", \/...): a typed ``/check_dossier_status{"dossier_code": ...}``
# payload is decoded by Rasa, so a code written with escapes still reaches the bot.
_JSON_STRING_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _decode_json_escapes(text: str) -> str:
    def replace(match: "re.Match[str]") -> str:
        if match.group(1):
            return chr(int(match.group(1), 16))
        return _SIMPLE_ESCAPES.get(match.group(2), match.group(2))

    return _JSON_STRING_ESCAPE.sub(replace, text)


def mentions_dossier_code(text: Optional[str]) -> bool:
    """Whether the bot will read a dossier code in ``text``, as typed or inside JSON escapes.

    Linear time (the pattern's gaps are bounded): it runs on every message before
    any limit refuses it.
    """
    if not text:
        return False
    if DOSSIER_CODE_PATTERN.search(text):
        return True
    return "\\" in text and DOSSIER_CODE_PATTERN.search(_decode_json_escapes(text)) is not None
