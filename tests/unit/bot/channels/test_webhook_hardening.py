"""Issue 19, finding 12, on the Zalo and Messenger webhooks: what a stranger (or
a platform sending an unexpected shape) gets is a clear 4xx or a 200, never a
500, and one bad event does not cost the others their answer."""

import json
import logging
import time

import pytest

from bot.channels.zalo import MAX_EVENT_AGE_SECONDS
from tests.unit.bot.channels import test_facebook as fb
from tests.unit.bot.channels import test_zalo as zalo
from tests.unit.bot.channels.helpers import FakeBot, post_raw, post_webhook, serve_channel

ZALO_WEBHOOK = "/webhooks/zalo/webhook"
MESSENGER_WEBHOOK = "/webhooks/facebook/webhook"
# Personal data a malformed event may carry: it must not reach the logs.
PHONE = "0912345678"


@pytest.fixture
def zalo_channel(fake_zalo_api, tmp_path):
    return zalo.ZaloInput.from_credentials(zalo.credentials(fake_zalo_api, str(tmp_path / "tokens.json")))


@pytest.fixture
def messenger_channel(fake_graph_api):
    return fb.make_channel(fake_graph_api)


# Undecodable bytes (Sanic keeps them as surrogates) and well-formed UTF-8.
NON_ASCII_SIGNATURES = [b"\xe9", b"\xff\xfe", "é".encode(), "ệ".encode() * 64]


@pytest.mark.parametrize("value", NON_ASCII_SIGNATURES)
async def test_a_non_ascii_zalo_signature_is_a_403(zalo_channel, value):
    bot = FakeBot()
    body = json.dumps(zalo.user_text("xin chào", "msg-1")).encode()
    async with serve_channel(zalo_channel, bot) as base_url:
        status = await post_raw(base_url + ZALO_WEBHOOK, body, {"X-ZEvent-Signature": b"mac=" + value})
        await zalo_channel.drain()

    assert status == 403
    assert bot.messages == []


@pytest.mark.parametrize("value", NON_ASCII_SIGNATURES)
async def test_a_non_ascii_messenger_signature_is_a_403(messenger_channel, value):
    bot = FakeBot()
    body = fb.webhook_body([fb.text_event("xin chào", "m_1")])
    async with serve_channel(messenger_channel, bot) as base_url:
        status = await post_raw(base_url + MESSENGER_WEBHOOK, body, {"X-Hub-Signature-256": b"sha256=" + value})

    assert status == 403
    assert bot.messages == []


@pytest.mark.parametrize("depth", [5_000, 30_000])
async def test_a_deeply_nested_unsigned_body_is_refused_without_decoding_it(zalo_channel, messenger_channel, depth):
    body = b"[" * depth + b"]" * depth  # json.loads: RecursionError beyond ~1,000
    bot = FakeBot()
    async with serve_channel(zalo_channel, bot) as zalo_url, serve_channel(messenger_channel, bot) as messenger_url:
        zalo_status = (
            await post_webhook(zalo_url + ZALO_WEBHOOK, body, {"X-ZEvent-Signature": "mac=" + "0" * 64})
        ).status
        messenger_status = (
            await post_webhook(
                messenger_url + MESSENGER_WEBHOOK,
                body,
                {"X-Hub-Signature-256": "sha256=" + "0" * 64},
            )
        ).status

    assert (zalo_status, messenger_status) == (403, 403)


async def test_bodies_over_the_cap_get_a_413_before_any_signature_work(fake_zalo_api, fake_graph_api, tmp_path):
    zalo_channel = zalo.ZaloInput.from_credentials(
        zalo.credentials(fake_zalo_api, str(tmp_path / "t.json"), max_body_bytes=4096)
    )
    messenger_channel = fb.make_channel(fake_graph_api, max_body_bytes=4096)
    big_zalo = zalo.user_text("a" * 5000, "msg-1")
    big_messenger = fb.webhook_body([fb.text_event("a" * 5000, "m_1")])
    small_zalo = zalo.user_text("xin chào", "msg-2")
    bot = FakeBot.answering()
    async with serve_channel(zalo_channel, bot) as zalo_url, serve_channel(messenger_channel, bot) as messenger_url:
        statuses = [
            (await zalo.post(zalo_url, big_zalo)).status,  # signed, all the same
            (await fb.post(messenger_url, big_messenger)).status,
            (await zalo.post(zalo_url, small_zalo)).status,
        ]
        await zalo_channel.drain()

    assert statuses == [413, 413, 200]
    assert bot.texts == ["xin chào"]


async def test_the_default_caps_let_ordinary_calls_through_and_stop_megabytes(zalo_channel, messenger_channel):
    assert zalo_channel.settings.max_body_bytes == 64 * 1024
    assert messenger_channel.max_body_bytes == 1024 * 1024
    huge = b"x" * (2 * 1024 * 1024)

    async def chunked():  # no Content-Length: the cap holds while reading
        for start in range(0, len(huge), 64 * 1024):
            yield huge[start : start + 64 * 1024]

    async with (
        serve_channel(zalo_channel, FakeBot()) as zalo_url,
        serve_channel(messenger_channel, FakeBot()) as messenger_url,
    ):
        statuses = [
            (await post_webhook(zalo_url + ZALO_WEBHOOK, huge, {})).status,
            (await post_webhook(messenger_url + MESSENGER_WEBHOOK, huge, {})).status,
            (await post_webhook(zalo_url + ZALO_WEBHOOK, chunked(), {})).status,
            (await post_webhook(messenger_url + MESSENGER_WEBHOOK, chunked(), {})).status,
        ]

    assert statuses == [413] * 4


async def test_each_webhook_cap_replaces_the_server_wide_body_limit(fake_zalo_api, fake_graph_api, tmp_path):
    # bot/server_guard.py sets 64 KiB server-wide; a busy page's batch is larger.
    messenger_channel = fb.make_channel(fake_graph_api)
    batch = fb.webhook_body(
        [fb.text_event(f"câu hỏi số {i} " + "x" * 900, f"m_{i}", sender=f"u{i}") for i in range(100)]
    )
    assert len(batch) > 64 * 1024
    zalo_channel = zalo.ZaloInput.from_credentials(
        zalo.credentials(fake_zalo_api, str(tmp_path / "t.json"), max_body_bytes=2048)
    )
    bot = FakeBot.answering()
    async with (
        serve_channel(messenger_channel, bot, request_max_size=64 * 1024) as messenger_url,
        serve_channel(zalo_channel, bot, request_max_size=64 * 1024) as zalo_url,
    ):
        batch_status = (await fb.post(messenger_url, batch)).status
        zalo_status = (await zalo.post(zalo_url, zalo.user_text("a" * 3000, "z1"))).status

    assert (batch_status, zalo_status) == (200, 413)
    assert len(bot.messages) == 100


MALFORMED_MESSENGER_EVENTS = [
    1,
    "text",
    None,
    {"sender": "u"},
    {"sender": {"id": {"nested": PHONE}}},
    {"sender": {"id": ""}},
    {"sender": {"id": "u" * 200}},  # over the sender id limit
    {"sender": {"id": "u"}, "message": f"gọi {PHONE}"},
    {"sender": {"id": "u"}, "message": {"mid": "m_x", "text": ["gọi", PHONE]}},
    {"sender": {"id": "u"}, "message": {"mid": "m_y", "quick_reply": "x", "text": 5}},
    {"sender": {"id": "u"}, "postback": "p"},
    {"sender": {"id": "u"}, "postback": {"payload": {"a": 1}}},
]


async def test_malformed_messenger_events_are_skipped_and_the_batch_still_answered(
    fake_graph_api, messenger_channel, caplog
):
    # Signed by Meta (the app secret), with good events around the malformed ones.
    payload = {
        "object": "page",
        "entry": [
            {"id": fb.PAGE_ID, "messaging": [fb.text_event("một", "m_1")]},
            {"id": fb.PAGE_ID, "messaging": MALFORMED_MESSENGER_EVENTS},
            {"id": fb.PAGE_ID, "messaging": {"not": "a list"}},
            "an entry that is a string",
            {"id": fb.PAGE_ID, "messaging": [fb.text_event("hai", "m_2", sender="u2")]},
        ],
    }
    body = json.dumps(payload).encode()
    bot = FakeBot.answering()
    with caplog.at_level(logging.DEBUG):
        async with serve_channel(messenger_channel, bot) as base_url:
            response = await fb.post(base_url, body)

    assert response.status == 200
    assert bot.texts == ["một", "hai"]
    assert [recipient for recipient, _ in fb.sent_to(fake_graph_api, but="")] == [
        fb.USER,
        "u2",
    ]
    assert caplog.text.count("Skipped a malformed Messenger event") >= 8
    assert PHONE not in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "payload",
    [[1, 2], "text", 5, None, {"entry": "x"}, {"entry": [1]}, {"entry": None}],
)
async def test_signed_messenger_bodies_of_other_shapes_are_a_200(messenger_channel, payload):
    body = json.dumps(payload).encode()
    async with serve_channel(messenger_channel, FakeBot()) as base_url:
        response = await fb.post(base_url, body)

    assert response.status == 200


async def test_signed_messenger_body_that_is_not_json_is_a_200(messenger_channel):
    body = b"[" * 5000 + b"]" * 5000
    async with serve_channel(messenger_channel, FakeBot()) as base_url:
        response = await fb.post(base_url, body)

    assert response.status == 200


def zalo_event(**fields):
    event = zalo.user_text("xin chào", "msg-1")
    event.update(fields)
    return event


MALFORMED_ZALO_EVENTS = [
    zalo_event(sender="u"),
    zalo_event(sender={"id": {"phone": PHONE}}),
    zalo_event(sender={"id": ""}),
    zalo_event(sender={"id": "9" * 200}),
    zalo_event(message=f"gọi {PHONE}"),
    zalo_event(message={"text": ["gọi", PHONE], "msg_id": "m"}),
    zalo_event(message={"text": {"t": PHONE}, "msg_id": "m"}),
    zalo_event(event_name=5),
    zalo_event(event_name=None),
]


@pytest.mark.parametrize("event", MALFORMED_ZALO_EVENTS)
async def test_malformed_signed_zalo_events_are_a_200_and_skipped(zalo_channel, event, caplog):
    bot = FakeBot.answering()
    with caplog.at_level(logging.DEBUG):
        async with serve_channel(zalo_channel, bot) as base_url:
            response = await zalo.post(base_url, event)
            good = await zalo.post(base_url, zalo.user_text("hai", "msg-2"))
            await zalo_channel.drain()

    assert (response.status, good.status) == (200, 200)
    assert bot.texts == ["hai"]
    assert "Skipped a malformed Zalo event" in caplog.text
    assert PHONE not in caplog.text
    assert "Traceback" not in caplog.text


@pytest.mark.parametrize(
    "body",
    [b"[1, 2]", b'"text"', b"[" * 5000 + b"]" * 5000],
    ids=["list", "string", "nested-5000"],
)
async def test_signed_zalo_bodies_that_are_not_an_event_are_a_200(zalo_channel, body):
    async with serve_channel(zalo_channel, FakeBot()) as base_url:
        response = await post_webhook(base_url + ZALO_WEBHOOK, body, {"X-ZEvent-Signature": zalo.sign(body, "")})

    assert response.status == 200


def at(seconds_from_now: float, msg_id: str):
    event = zalo.user_text("xin chào", msg_id)
    event["timestamp"] = str(int((time.time() + seconds_from_now) * 1000))
    return event


async def test_zalo_events_outside_the_deduplication_window_are_refused(zalo_channel, caplog):
    bot = FakeBot.answering()
    with caplog.at_level(logging.WARNING):
        async with serve_channel(zalo_channel, bot) as base_url:
            statuses = [
                (await zalo.post(base_url, at(-2 * 3600, "msg-replayed"))).status,
                (await zalo.post(base_url, at(-MAX_EVENT_AGE_SECONDS - 60, "m2"))).status,
                (await zalo.post(base_url, at(+3600, "msg-future"))).status,
                (await zalo.post(base_url, at(-60, "msg-fresh"))).status,
                (await zalo.post(base_url, at(+30, "msg-skewed"))).status,
            ]
            await zalo_channel.drain()

    # Signed by Zalo: answered 200 (no retries), but only the fresh ones are handled.
    assert statuses == [200] * 5
    assert [m.message_id for m in bot.messages] == ["msg-fresh", "msg-skewed"]
    assert caplog.text.count("Refused a signed Zalo event") == 3


async def test_a_zalo_event_without_timestamp_is_refused(zalo_channel):
    event = zalo.user_text("xin chào", "msg-1")
    del event["timestamp"]
    body = json.dumps(event).encode()
    bot = FakeBot.answering()
    async with serve_channel(zalo_channel, bot) as base_url:
        response = await post_webhook(base_url + ZALO_WEBHOOK, body, {"X-ZEvent-Signature": zalo.sign(body, "")})
        await zalo_channel.drain()

    assert response.status == 200
    assert bot.messages == []


async def test_the_signed_timestamp_must_be_the_events_own(zalo_channel):
    # A signature over a "timestamp" met elsewhere in the raw body is no signature of the event.
    event = zalo.user_text('"timestamp": "1"', "msg-1")
    event["app_data"] = {"timestamp": "123"}
    body = json.dumps(event).encode()
    bot = FakeBot.answering()
    async with serve_channel(zalo_channel, bot) as base_url:
        nested = await post_webhook(base_url + ZALO_WEBHOOK, body, {"X-ZEvent-Signature": zalo.sign(body, "123")})
        own = await post_webhook(
            base_url + ZALO_WEBHOOK,
            body,
            {"X-ZEvent-Signature": zalo.sign(body, event["timestamp"])},
        )
        await zalo_channel.drain()

    assert (nested.status, own.status) == (200, 200)
    assert [m.message_id for m in bot.messages] == ["msg-1"]
