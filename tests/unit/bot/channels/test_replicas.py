"""Issue 19, finding 11: a platform's webhook calls reach any replica.

Two replicas are two channel instances, each in its own Sanic server (as two
Rasa containers would be: own memory, own token file), sharing one real Redis
server through REDIS_URL. What one replica leaves for the next call must be
found by the other: the numbered options it offered, the ids of the events it
handled, the Zalo token pair it refreshed.
"""

import asyncio
from typing import Any, Dict

import pytest
import redis
from rasa.core.channels.channel import UserMessage

from bot.channels.replica_state import RedisState, shared_state_from_env
from tests.unit.bot.channels import test_facebook as fb
from tests.unit.bot.channels import test_zalo as zalo
from tests.unit.bot.channels.helpers import FakeBot, serve_channel, wait_until

BUTTONS = [
    {"title": "Giấy tờ cần nộp", "payload": "/ask_documents"},
    {"title": "Lệ phí", "payload": "/ask_fee"},
]


def zalo_replica(api, tmp_path, name: str) -> zalo.ZaloInput:
    # Each replica has its own container, hence its own token file.
    return zalo.ZaloInput.from_credentials(zalo.credentials(api, str(tmp_path / name / "zalo_tokens.json")))


def offering(buttons, trigger: str):
    """A bot that answers `trigger` with `buttons`, anything else with "Dạ"."""

    async def answer(message: UserMessage) -> None:
        reply: Dict[str, Any] = {"text": "Dạ"}
        if message.text == trigger:
            reply = {"text": "Anh/Chị muốn biết gì?", "buttons": buttons}
        await message.output_channel.send_response(message.sender_id, reply)

    return answer


async def test_a_zalo_numbered_answer_is_understood_by_the_other_replica(redis_url, fake_zalo_api, tmp_path):
    fake_zalo_api.script(zalo.SEND_PATH, {"error": -201, "message": "invalid"})
    one, two = zalo_replica(fake_zalo_api, tmp_path, "a"), zalo_replica(fake_zalo_api, tmp_path, "b")
    bot = FakeBot(offering(BUTTONS, "khai sinh"))
    async with serve_channel(one, bot) as url_one, serve_channel(two, bot) as url_two:
        await zalo.post(url_one, zalo.user_text("khai sinh", "msg-1"))
        await one.drain()
        await zalo.post(url_two, zalo.user_text("số 2", "msg-2"))  # the other replica
        await two.drain()

    assert zalo.sent(fake_zalo_api)[1]["message"]["text"].endswith("\n1. Giấy tờ cần nộp\n2. Lệ phí")
    assert bot.texts == ["khai sinh", "/ask_fee"]


async def test_a_messenger_numbered_answer_is_understood_by_the_other_replica(redis_url, fake_graph_api):
    buttons = [{"title": f"Thủ tục {i}", "payload": f"/p{i}"} for i in range(1, 16)]
    one, two = fb.make_channel(fake_graph_api), fb.make_channel(fake_graph_api)
    bot = FakeBot(offering(buttons, "danh sách"))
    async with serve_channel(one, bot) as url_one, serve_channel(two, bot) as url_two:
        await fb.post(url_one, fb.webhook_body([fb.text_event("danh sách", "m_1")]))
        await fb.post(url_two, fb.webhook_body([fb.text_event("14", "m_2")]))

    assert bot.texts == ["danh sách", "/p14"]


async def test_an_offer_answers_one_message_only_across_replicas(redis_url, fake_graph_api):
    buttons = [{"title": f"Thủ tục {i}", "payload": f"/p{i}"} for i in range(1, 16)]
    one, two = fb.make_channel(fake_graph_api), fb.make_channel(fake_graph_api)
    bot = FakeBot(offering(buttons, "danh sách"))
    async with serve_channel(one, bot) as url_one, serve_channel(two, bot) as url_two:
        await fb.post(url_one, fb.webhook_body([fb.text_event("danh sách", "m_1")]))
        await fb.post(url_two, fb.webhook_body([fb.text_event("2", "m_2")]))
        await fb.post(url_one, fb.webhook_body([fb.text_event("3", "m_3")]))

    assert bot.texts == ["danh sách", "/p2", "3"]


async def test_a_zalo_event_delivered_to_both_replicas_is_handled_once(redis_url, fake_zalo_api, tmp_path):
    one, two = zalo_replica(fake_zalo_api, tmp_path, "a"), zalo_replica(fake_zalo_api, tmp_path, "b")
    event = zalo.user_text("xin chào", "msg-1")
    bot = FakeBot.answering()
    async with serve_channel(one, bot) as url_one, serve_channel(two, bot) as url_two:
        responses = await asyncio.gather(*[zalo.post(url, event) for url in (url_one, url_two, url_one, url_two)])
        await one.drain()
        await two.drain()

    assert [response.status for response in responses] == [200] * 4
    assert bot.texts == ["xin chào"]
    assert len(zalo.sent(fake_zalo_api)) == 1


async def test_a_messenger_event_delivered_to_both_replicas_is_handled_once(redis_url, fake_graph_api):
    one, two = fb.make_channel(fake_graph_api), fb.make_channel(fake_graph_api)
    body = fb.webhook_body([fb.text_event("xin chào", "m_1")])
    bot = FakeBot.answering()
    async with serve_channel(one, bot) as url_one, serve_channel(two, bot) as url_two:
        responses = await asyncio.gather(fb.post(url_one, body), fb.post(url_two, body))

    assert [response.status for response in responses] == [200, 200]
    assert bot.texts == ["xin chào"]


async def test_one_token_refresh_across_replicas(redis_url, fake_zalo_api, tmp_path):
    fake_zalo_api.script(
        zalo.SEND_PATH,
        {"error": -216, "message": "Access token is invalid"},
        {"error": -216, "message": "Access token is invalid"},
    )
    fake_zalo_api.script(zalo.OAUTH_PATH, zalo.NEW_TOKENS)
    one, two = zalo_replica(fake_zalo_api, tmp_path, "a"), zalo_replica(fake_zalo_api, tmp_path, "b")
    fake_zalo_api.hold()  # both replicas' first attempts fail together
    sending = asyncio.gather(
        one.get_output_channel().send_text_message("zalo:u1", "một"),
        two.get_output_channel().send_text_message("zalo:u2", "hai"),
    )
    await wait_until(lambda: len(fake_zalo_api.received(zalo.SEND_PATH)) == 2)
    fake_zalo_api.release()
    await sending

    # The single-use refresh token was spent once; both replicas use the new pair.
    assert len(fake_zalo_api.received(zalo.OAUTH_PATH)) == 1
    retries = fake_zalo_api.received(zalo.SEND_PATH)[2:]
    assert sorted(r.headers["access_token"] for r in retries) == ["access-2", "access-2"]
    assert sorted(r.json["recipient"]["user_id"] for r in retries) == ["u1", "u2"]

    # A replica started later (new container, no token file) reads the pair from Redis.
    three = zalo_replica(fake_zalo_api, tmp_path, "c")
    await three.get_output_channel().send_text_message("zalo:u3", "ba")
    assert fake_zalo_api.received(zalo.SEND_PATH)[-1].headers["access_token"] == "access-2"
    assert len(fake_zalo_api.received(zalo.OAUTH_PATH)) == 1


async def test_shared_state_keeps_no_sender_id_in_clear_and_everything_expires(redis_url, fake_zalo_api, tmp_path):
    fake_zalo_api.script(zalo.SEND_PATH, {"error": -201, "message": "invalid"})
    channel = zalo_replica(fake_zalo_api, tmp_path, "a")
    async with serve_channel(channel, FakeBot(offering(BUTTONS, "khai sinh"))) as url:
        await zalo.post(url, zalo.user_text("khai sinh", "msg-1"))
        await channel.drain()

    client = redis.Redis.from_url(redis_url)
    keys = [key.decode() for key in client.keys("dvc:ch:*")]
    # dvc:ch:zalo:seen:<hash>, dvc:ch:zalo:offers:<hash>
    assert sorted(key.split(":")[3] for key in keys) == ["offers", "seen"]
    assert not any(zalo.USER in key.decode() or "msg-1" in key.decode() for key in client.keys("*"))
    assert all(0 < client.ttl(key) <= 3600 for key in keys)


async def test_redis_down_falls_back_to_memory_and_still_answers(monkeypatch, fake_graph_api):
    from tests.support import free_port

    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nobody there
    monkeypatch.setenv("RATE_LIMIT_ENABLED", "false")
    channel = fb.make_channel(fake_graph_api)
    assert isinstance(channel.state, RedisState)
    buttons = [{"title": f"Thủ tục {i}", "payload": f"/p{i}"} for i in range(1, 16)]
    bot = FakeBot(offering(buttons, "danh sách"))
    body = fb.webhook_body([fb.text_event("danh sách", "m_1")])
    async with serve_channel(channel, bot) as url:
        await fb.post(url, body)
        await fb.post(url, body)  # a re-delivery: still dropped, in memory
        await fb.post(url, fb.webhook_body([fb.text_event("14", "m_2")]))

    assert bot.texts == ["danh sách", "/p14"]


def test_the_backend_follows_redis_url(redis_server):
    assert not shared_state_from_env({}).shared
    assert shared_state_from_env({"REDIS_URL": redis_server.url}).shared
    with pytest.raises(ValueError):
        shared_state_from_env({"REDIS_URL": redis_server.url, "REDIS_KEY_PREFIX": "a:b"})


def test_a_value_is_taken_by_one_replica_only_and_the_lock_is_exclusive(redis_url):
    import threading
    import time

    one, two = RedisState(redis_url, "dvc"), RedisState(redis_url, "dvc")
    one.put("zalo:offers", "zalo:1", "[]", ttl=60)
    assert [two.take("zalo:offers", "zalo:1"), one.take("zalo:offers", "zalo:1")] == ["[]", None]
    assert one.add_if_absent("zalo:seen", "m1", ttl=60)
    assert not two.add_if_absent("zalo:seen", "m1", ttl=60)

    holders, overlaps = [], []

    def hold(state: RedisState) -> None:
        with state.lock("zalo:tokens", "app", timeout=10):
            holders.append(state)
            if len(holders) > 1:
                overlaps.append(True)
            time.sleep(0.2)
            holders.remove(state)

    threads = [threading.Thread(target=hold, args=(state,)) for state in (one, two, one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == []
