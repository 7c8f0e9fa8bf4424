"""Token-bucket limits (bot/rate_limit.py): in memory and shared through Redis."""

from __future__ import annotations

from core.wording import SLOW_DOWN_REPLY
from bot.rate_limit import ChannelGuard, MemoryBuckets, Rate, RedisBuckets, mentions_dossier_code
from tests.servers import RedisServer

CODE = "000.00.12.H48-251103-0021"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_rate_parsing():
    assert Rate.parse("20/60") == Rate(20, 60) and Rate.parse("5") == Rate(5, 1)
    assert Rate.parse("0") is None and Rate.parse("") is None and Rate.parse("off") is None


def test_bucket_allows_a_burst_then_refills():
    clock = Clock()
    buckets = MemoryBuckets(clock=clock)
    rate = Rate(3, 30)  # 3 messages, one more every 10 s
    assert [buckets.take("k", rate).allowed for _ in range(4)] == [True, True, True, False]
    refused = buckets.take("k", rate)
    assert not refused.allowed and 9 < refused.retry_after <= 10
    clock.now += 10
    assert buckets.take("k", rate).allowed and not buckets.take("k", rate).allowed
    assert buckets.take("other", rate).allowed  # one bucket per key


def test_memory_stays_bounded():
    clock = Clock()
    buckets = MemoryBuckets(max_keys=100, clock=clock)
    for i in range(1000):
        buckets.take(f"k{i}", Rate(5, 60))
        clock.now += 1
    assert len(buckets._buckets) <= 101


def guard(**kwargs) -> ChannelGuard:
    defaults = dict(sender=Rate(3, 60), ip=Rate(5, 60), lookup=Rate(2, 600), exempt="127.0.0.1,::1")
    return ChannelGuard(**{**defaults, **kwargs})


def test_sender_ip_and_lookup_limits():
    g = guard()
    assert [g.check("s1", "198.51.100.1", "xin chào") for _ in range(3)] == [None] * 3
    refusal = g.check("s1", "198.51.100.1", "xin chào")
    assert refusal.reason == "sender" and "giây" in refusal.reply()
    # The refused message took nothing from the address: s2 and s3 send its 4th and 5th.
    assert g.check("s2", "198.51.100.1", "xin chào") is None
    assert g.check("s3", "198.51.100.1", "xin chào") is None
    assert g.check("s4", "198.51.100.1", "xin chào").reason == "ip"
    # Dossier codes: 2 per address per 10 minutes, whatever the conversation.
    assert g.check("a", "198.51.100.2", f"tra cứu {CODE}") is None
    assert g.check("b", "198.51.100.2", f"hồ sơ {CODE}") is None
    assert g.check("c", "198.51.100.2", f"hồ sơ {CODE}").reason == "lookup"
    assert g.check("c", "198.51.100.2", "làm hộ chiếu cần gì") is None  # other questions still pass


def test_without_a_client_address_lookups_count_per_sender():
    """Zalo and Messenger: the platform's servers are the peer, so no address is passed."""
    g = guard(sender=None)
    assert g.check("zalo-user", None, f"hồ sơ {CODE}") is None
    assert g.check("zalo-user", None, f"hồ sơ {CODE}") is None
    assert g.check("zalo-user", None, f"hồ sơ {CODE}").reason == "lookup"
    assert g.check("other-user", None, f"hồ sơ {CODE}") is None
    assert g.check("zalo-user", None, "xin chào") is None


def test_loopback_is_exempt_unless_forwarded_and_limits_can_be_disabled():
    g = guard()
    assert all(g.check("s", "127.0.0.1", "hi") is None for _ in range(10))
    assert [g.check("s", "127.0.0.1", "hi", forwarded=True) is None for _ in range(4)] == [True] * 3 + [False]
    off = guard(enabled=False)
    assert all(off.check("s", "198.51.100.3", "hi") is None for _ in range(10))


def test_client_address_behind_trusted_proxies():
    g = guard(trusted_proxies="10.0.0.0/8,127.0.0.1")
    assert g.client_ip("10.1.2.3", "203.0.113.9, 10.0.0.7") == "203.0.113.9"
    assert g.client_ip("10.1.2.3", "1.1.1.1, 203.0.113.9") == "203.0.113.9"  # spoofed left part ignored
    assert g.client_ip("10.1.2.3", None, "203.0.113.10") == "203.0.113.10"
    assert g.client_ip("198.51.100.4", "203.0.113.9") == "198.51.100.4"  # untrusted peer: its own address


def test_from_env(monkeypatch):
    monkeypatch.setenv("RATE_LIMIT_SENDER", "7/70")
    monkeypatch.setenv("RATE_LIMIT_IP", "0")
    monkeypatch.delenv("REDIS_URL", raising=False)
    g = ChannelGuard.from_env()
    assert g.sender == Rate(7, 70) and g.ip is None and g.lookup == Rate(10, 600)
    assert isinstance(g.buckets, MemoryBuckets)


def test_replicas_share_buckets_through_redis(redis_url):
    a = ChannelGuard(sender=Rate(4, 60), ip=None, lookup=None, buckets=RedisBuckets(redis_url, "dvc"))
    b = ChannelGuard(sender=Rate(4, 60), ip=None, lookup=None, buckets=RedisBuckets(redis_url, "dvc"))
    results = [(a if i % 2 else b).check("citizen", "198.51.100.5", "hi") is None for i in range(6)]
    assert results == [True] * 4 + [False] * 2
    import redis

    keys = redis.Redis.from_url(redis_url).keys("dvc:rl:*")
    assert keys and all(b"citizen" not in key for key in keys)  # hashed, never the id in clear
    assert all(redis.Redis.from_url(redis_url).ttl(key) > 0 for key in keys)


def test_redis_down_keeps_limiting_in_memory():
    server = RedisServer().start()
    try:
        buckets = RedisBuckets(server.url, "dvc", retry_seconds=60)
        rate = Rate(2, 60)
        assert buckets.take("k", rate).allowed
        server.stop()
        assert [buckets.take("k", rate).allowed for _ in range(3)] == [True, True, False]
    finally:
        server.cleanup()


def test_slow_down_text_is_vietnamese_and_says_how_long():
    assert SLOW_DOWN_REPLY.format(seconds=12).startswith("Dạ,") and "12 giây" in SLOW_DOWN_REPLY.format(seconds=12)


def _flood_then_neighbour(buckets) -> tuple:
    """One client floods its own conversation from address A; a second citizen behind A then writes."""
    g = ChannelGuard(sender=Rate(3, 60), ip=Rate(6, 60), lookup=None, buckets=buckets)
    flood = [g.check("flooder", "198.51.100.20", "spam") for _ in range(50)]
    neighbour = [g.check("neighbour", "198.51.100.20", "xin chào") for _ in range(3)]
    return flood, neighbour


def test_messages_refused_by_the_sender_limit_leave_the_address_budget_to_others():
    flood, neighbour = _flood_then_neighbour(MemoryBuckets())
    assert flood[:3] == [None] * 3 and {refusal.reason for refusal in flood[3:]} == {"sender"}
    assert neighbour == [None] * 3  # 3 + 3 messages taken from the address's 6


def test_refused_messages_leave_the_address_budget_to_others_in_redis(redis_url):
    flood, neighbour = _flood_then_neighbour(RedisBuckets(redis_url, "fair"))
    assert flood[:3] == [None] * 3 and {refusal.reason for refusal in flood[3:]} == {"sender"}
    assert neighbour == [None] * 3


def test_take_all_is_all_or_nothing():
    for buckets in (MemoryBuckets(clock=Clock()),):
        small, large = Rate(1, 60), Rate(5, 60)
        assert [d.allowed for d in buckets.take_all([("a", small), ("b", large)])] == [True, True]
        refused = buckets.take_all([("a", small), ("b", large)])
        assert not refused[0].allowed and refused[0].retry_after > 59 and refused[1].retry_after == 0
        # "b" gave nothing to the refused message: 4 tokens left.
        assert [buckets.take("b", large).allowed for _ in range(5)] == [True] * 4 + [False]


def test_the_refusal_names_the_limit_that_holds_the_message_back_longest():
    g = guard(sender=Rate(1, 10), ip=Rate(1, 600))
    assert g.check("s", "198.51.100.21", "hi") is None
    refusal = g.check("s", "198.51.100.21", "hi")
    assert refusal.reason == "ip" and refusal.retry_after > 500


def test_codes_written_with_json_escapes_count_as_lookups():
    """A typed /check_dossier_status{...} payload is decoded by Rasa: the guard counts what the bot reads."""
    g = guard(sender=None, lookup=Rate(2, 600))
    escaped = CODE.replace("0", "\\u0030").replace(".", "\\u002e")
    payload = '/check_dossier_status{"dossier_code": "%s", "phone_last4": "1234"}' % escaped
    assert g.check("a", "198.51.100.22", payload) is None
    assert g.check("b", "198.51.100.22", payload.replace("\\u002e", "\\u002E")) is None
    assert g.check("c", "198.51.100.22", payload).reason == "lookup"
    # An escaped backslash is a backslash: "\\u0030" is the text \u0030, not a digit.
    assert not mentions_dossier_code(CODE.replace("0", "\\\\u0030"))
    assert mentions_dossier_code("hồ sơ " + CODE) and not mentions_dossier_code("xin chào \\n")
