"""Zalo OA channel, end to end: signed webhook events reach a fake bot; replies,
token refreshes and errors go through a local fake Zalo API."""

import asyncio
import hashlib
import json
import logging
import os
import stat
import time
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.run import create_http_input_channels
from rasa.shared.exceptions import RasaException

from bot.channels import cut, too_long_note
from bot.channels.zalo import TokenStore, ZaloInput, ZaloTokens
from core.wording import SLOW_DOWN_REPLY, UNSUPPORTED_MEDIA_REPLY
from tests.unit.bot.channels.helpers import (
    DROP,
    FakeBot,
    FakeHttpApi,
    post_webhook,
    serve_channel,
    wait_until,
)

APP_ID = "3608465249409039670"
APP_SECRET = "test-app-secret"
OA_SECRET_KEY = "test-oa-secret-key"
ACCESS_TOKEN = "access-1"
REFRESH_TOKEN = "refresh-1"
OA_ID = "388613280878808645"
USER = "246845883529197922"
SEND_PATH = "/v3.0/oa/message/cs"
OAUTH_PATH = "/v4/oa/access_token"
DOSSIER_CODE = "000.00.12.H48-251103-0021"
SLOW_DOWN_START = SLOW_DOWN_REPLY.split("{seconds}")[0]

NEW_TOKENS = {
    "access_token": "access-2",
    "refresh_token": "refresh-2",
    "expires_in": "90000",
}


def credentials(api: FakeHttpApi, token_store: str, **overrides: Any) -> Dict[str, Any]:
    return {
        "app_id": APP_ID,
        "app_secret": APP_SECRET,
        "oa_secret_key": OA_SECRET_KEY,
        "access_token": ACCESS_TOKEN,
        "refresh_token": REFRESH_TOKEN,
        "token_store_path": token_store,
        "api_base": api.url,
        "oauth_base": api.url,
        "retry_backoff": 0.01,
        **overrides,
    }


@pytest.fixture
def token_store(tmp_path) -> str:
    return str(tmp_path / "var" / "zalo_tokens.json")


@pytest.fixture
def channel(fake_zalo_api, token_store) -> ZaloInput:
    return ZaloInput.from_credentials(credentials(fake_zalo_api, token_store))


def user_text(text: str, msg_id: str, event_name: str = "user_send_text") -> Dict[str, Any]:
    return {
        "app_id": APP_ID,
        "user_id_by_app": "552177279717587730",
        "event_name": event_name,
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": USER},
        "recipient": {"id": OA_ID},
        "message": {"text": text, "msg_id": msg_id},
    }


def from_user(event: Dict[str, Any], user: str) -> Dict[str, Any]:
    return {**event, "sender": {"id": user}}


def sign(body: bytes, timestamp: str, key: str = OA_SECRET_KEY) -> str:
    digest = hashlib.sha256(APP_ID.encode() + body + timestamp.encode() + key.encode())
    return f"mac={digest.hexdigest()}"


async def post(base_url: str, event: Dict[str, Any], signature: Optional[str] = "sign") -> aiohttp.ClientResponse:
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        signature = sign(body, event["timestamp"])
    if signature is not None:
        headers["X-ZEvent-Signature"] = signature
    return await post_webhook(f"{base_url}/webhooks/zalo/webhook", body, headers)


def sent(api: FakeHttpApi, but: Optional[str] = None) -> List[Dict[str, Any]]:
    """The bodies the channel sent, but those of text `but` (the bot's own answer)."""
    return [
        request.json for request in api.received(SEND_PATH) if but is None or request.json["message"].get("text") != but
    ]


def reply_with(*responses: Dict[str, Any]):
    async def answer(message: UserMessage) -> None:
        for response in responses:
            await message.output_channel.send_response(message.sender_id, dict(response))

    return answer


async def test_signed_text_reaches_the_bot(channel):
    bot = FakeBot()
    async with serve_channel(channel, bot) as base_url:
        response = await post(base_url, user_text("thủ tục khai sinh", "msg-1"))
        await channel.drain()

    assert response.status == 200
    assert bot.texts == ["thủ tục khai sinh"]
    message = bot.messages[0]
    assert (message.sender_id, message.input_channel, message.message_id) == (
        f"zalo:{USER}",  # namespaced by channel
        "zalo",
        "msg-1",
    )


async def test_anonymous_text_reaches_the_bot(channel):
    bot = FakeBot()
    async with serve_channel(channel, bot) as base_url:
        await post(base_url, user_text("xin chào", "msg-1", "anonymous_send_text"))
        await channel.drain()

    assert bot.texts == ["xin chào"]


@pytest.mark.parametrize(
    "signature",
    [None, "mac=" + "0" * 64, "wrong-format", "tampered", "other-key", "app-secret"],
)
async def test_bad_signature_is_rejected(channel, signature):
    event = user_text("xin chào", "msg-1")
    body = json.dumps(event, ensure_ascii=False).encode()
    if signature == "tampered":  # signed, then changed
        signature = sign(body, event["timestamp"])
        event["message"]["text"] = "chuyển tiền"
    elif signature == "other-key":
        signature = sign(body, event["timestamp"], key="not-the-key")
    elif signature == "app-secret":  # Zalo signs with the OA secret key
        signature = sign(body, event["timestamp"], key=APP_SECRET)
    bot = FakeBot()
    async with serve_channel(channel, bot) as base_url:
        response = await post(base_url, event, signature=signature)
        await channel.drain()

    assert response.status == 403
    assert bot.messages == []


@pytest.mark.parametrize(
    "event_name",
    [
        "oa_send_text",
        "oa_send_image",
        "user_received_message",
        "user_seen_message",
        "follow",
    ],
)
async def test_echoes_receipts_and_other_events_are_ignored(channel, fake_zalo_api, event_name):
    event = user_text("trả lời của OA", "msg-echo", event_name)
    event["sender"], event["recipient"] = {"id": OA_ID}, {"id": USER}
    bot = FakeBot()
    async with serve_channel(channel, bot) as base_url:
        response = await post(base_url, event)
        await channel.drain()

    assert response.status == 200
    assert bot.messages == []
    assert fake_zalo_api.received() == []


async def test_retried_event_is_processed_once(channel):
    bot = FakeBot()
    event = user_text("xin chào", "msg-1")
    async with serve_channel(channel, bot) as base_url:
        for _ in range(3):
            assert (await post(base_url, event)).status == 200
        await channel.drain()

    assert bot.texts == ["xin chào"]


async def test_acknowledges_before_a_slow_bot_finishes(channel):
    release = asyncio.Event()
    finished = asyncio.Event()

    async def slow_answer(message: UserMessage) -> None:
        await release.wait()
        finished.set()

    async with serve_channel(channel, FakeBot(slow_answer)) as base_url:
        response = await post(base_url, user_text("xin chào", "msg-1"))
        assert response.status == 200
        assert not finished.is_set()  # answered while the bot is still busy
        release.set()
        await channel.drain()

    assert finished.is_set()


async def test_pending_replies_finish_when_the_server_stops(channel, fake_zalo_api):
    async def slow_answer(message: UserMessage) -> None:
        await asyncio.sleep(0.2)
        await message.output_channel.send_text_message(message.sender_id, "Dạ")

    async with serve_channel(channel, FakeBot(slow_answer)) as base_url:
        await post(base_url, user_text("xin chào", "msg-1"))
    # No drain() here: the server's before_server_stop listener waited.

    assert len(fake_zalo_api.received(SEND_PATH)) == 1


async def test_reply_text_is_sent_with_the_access_token_header(channel, fake_zalo_api):
    answer = reply_with({"text": "Chào Anh/Chị.\n\nTôi có thể giúp gì?"})
    async with serve_channel(channel, FakeBot(answer)) as base_url:
        await post(base_url, user_text("xin chào", "msg-1"))
        await channel.drain()

    (request,) = fake_zalo_api.received(SEND_PATH)
    assert request.headers["access_token"] == ACCESS_TOKEN
    assert "authorization" not in request.headers
    assert request.json == {
        "recipient": {"user_id": USER},
        "message": {"text": "Chào Anh/Chị.\n\nTôi có thể giúp gì?"},
    }


async def test_media_gets_the_polite_text_only_reply(channel, fake_zalo_api):
    event = user_text("", "msg-img", "user_send_image")
    event["message"] = {
        "msg_id": "msg-img",
        "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}],
    }
    bot = FakeBot()
    async with serve_channel(channel, bot) as base_url:
        await post(base_url, event)
        await channel.drain()

    assert bot.messages == []
    assert sent(fake_zalo_api) == [{"recipient": {"user_id": USER}, "message": {"text": UNSUPPORTED_MEDIA_REPLY}}]


BUTTONS = [
    {"title": "Giấy tờ cần nộp", "payload": "/ask_documents"},
    {"title": "Lệ phí", "payload": "/ask_fee"},
]


async def test_buttons_are_sent_as_a_template(channel, fake_zalo_api):
    answer = reply_with({"text": "Anh/Chị muốn biết gì?", "buttons": BUTTONS})
    async with serve_channel(channel, FakeBot(answer)) as base_url:
        await post(base_url, user_text("khai sinh", "msg-1"))
        await channel.drain()

    (body,) = sent(fake_zalo_api)
    assert body["message"] == {
        "text": "Anh/Chị muốn biết gì?",
        "attachment": {
            "type": "template",
            "payload": {
                "buttons": [
                    {
                        "title": "Giấy tờ cần nộp",
                        "type": "oa.query.show",
                        "payload": "/ask_documents",
                    },
                    {"title": "Lệ phí", "type": "oa.query.show", "payload": "/ask_fee"},
                ]
            },
        },
    }


async def test_rejected_buttons_fall_back_to_numbered_text(channel, fake_zalo_api):
    fake_zalo_api.script(SEND_PATH, {"error": -201, "message": "Parameters are invalid"})

    async def answer(message: UserMessage) -> None:
        if message.text == "khai sinh":
            await message.output_channel.send_response(
                message.sender_id, {"text": "Anh/Chị muốn biết gì?", "buttons": BUTTONS}
            )
        else:
            await message.output_channel.send_response(message.sender_id, {"text": "Dạ"})

    bot = FakeBot(answer)
    async with serve_channel(channel, bot) as base_url:
        await post(base_url, user_text("khai sinh", "msg-1"))
        await channel.drain()
        await post(base_url, user_text("số 2", "msg-2"))
        await channel.drain()

    first, fallback, _ = sent(fake_zalo_api)
    assert "attachment" in first["message"]
    assert fallback["message"] == {"text": "Anh/Chị muốn biết gì?\n1. Giấy tờ cần nộp\n2. Lệ phí"}
    assert bot.texts == ["khai sinh", "/ask_fee"]


async def test_expired_token_is_refreshed_once_and_persisted(channel, fake_zalo_api, token_store):
    fake_zalo_api.script(SEND_PATH, {"error": -216, "message": "Access token is invalid"})
    fake_zalo_api.script(OAUTH_PATH, NEW_TOKENS)
    async with serve_channel(channel, FakeBot(reply_with({"text": "Dạ"}))) as base_url:
        await post(base_url, user_text("xin chào", "msg-1"))
        await channel.drain()

    (refresh,) = fake_zalo_api.received(OAUTH_PATH)
    assert refresh.headers["secret_key"] == APP_SECRET
    assert refresh.form == {
        "app_id": APP_ID,
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
    }
    first, retry = fake_zalo_api.received(SEND_PATH)
    assert first.headers["access_token"] == ACCESS_TOKEN
    assert retry.headers["access_token"] == "access-2"
    assert retry.json == first.json

    stored = json.loads(open(token_store).read())
    assert (stored["access_token"], stored["refresh_token"]) == (
        "access-2",
        "refresh-2",
    )
    assert stat.S_IMODE(os.stat(token_store).st_mode) == 0o600
    assert [name for name in os.listdir(os.path.dirname(token_store)) if "tokens-" in name] == []


async def test_restart_uses_the_rotated_tokens(fake_zalo_api, token_store):
    fake_zalo_api.script(SEND_PATH, {"error": -220, "message": "Access token expired"})
    fake_zalo_api.script(OAUTH_PATH, NEW_TOKENS)
    first_run = ZaloInput.from_credentials(credentials(fake_zalo_api, token_store))
    await first_run.get_output_channel().send_text_message(USER, "một")

    # Same credentials.yml (whose refresh token is now spent) after a restart.
    second_run = ZaloInput.from_credentials(credentials(fake_zalo_api, token_store))
    await second_run.get_output_channel().send_text_message(USER, "hai")

    assert fake_zalo_api.received(SEND_PATH)[-1].headers["access_token"] == "access-2"
    assert len(fake_zalo_api.received(OAUTH_PATH)) == 1


async def test_concurrent_expiries_share_one_refresh(channel, fake_zalo_api):
    fake_zalo_api.script(
        SEND_PATH,
        {"error": -216, "message": "Access token is invalid"},
        {"error": -216, "message": "Access token is invalid"},
    )
    fake_zalo_api.script(OAUTH_PATH, NEW_TOKENS)
    output = channel.get_output_channel()
    fake_zalo_api.hold()  # both first attempts are in flight before either answer
    sending = asyncio.gather(output.send_text_message("u1", "một"), output.send_text_message("u2", "hai"))
    await wait_until(lambda: len(fake_zalo_api.received(SEND_PATH)) == 2)
    fake_zalo_api.release()
    await sending

    assert len(fake_zalo_api.received(OAUTH_PATH)) == 1
    retries = fake_zalo_api.received(SEND_PATH)[2:]
    assert [r.headers["access_token"] for r in retries] == ["access-2", "access-2"]


async def test_a_token_that_stays_invalid_is_not_refreshed_in_a_loop(channel, fake_zalo_api, caplog):
    fake_zalo_api.script(SEND_PATH, *[{"error": -216, "message": "invalid"}] * 2)
    fake_zalo_api.script(OAUTH_PATH, NEW_TOKENS)
    with caplog.at_level(logging.ERROR):
        await channel.get_output_channel().send_text_message(USER, "xin chào")

    assert len(fake_zalo_api.received(SEND_PATH)) == 2
    assert len(fake_zalo_api.received(OAUTH_PATH)) == 1
    assert "not delivered" in caplog.text
    assert "access-2" not in caplog.text and ACCESS_TOKEN not in caplog.text


async def test_failed_refresh_is_logged_without_secrets(channel, fake_zalo_api, caplog):
    fake_zalo_api.script(SEND_PATH, {"error": -216, "message": "invalid"})
    fake_zalo_api.script(OAUTH_PATH, {"error": -14014, "error_description": "Invalid refresh token"})
    with caplog.at_level(logging.INFO):
        await channel.get_output_channel().send_text_message(USER, "xin chào")

    assert len(fake_zalo_api.received(SEND_PATH)) == 1
    assert "could not be refreshed" in caplog.text
    for secret in (REFRESH_TOKEN, ACCESS_TOKEN, APP_SECRET, OA_SECRET_KEY):
        assert secret not in caplog.text


async def test_unreachable_user_is_logged_and_not_retried(channel, fake_zalo_api, caplog):
    fake_zalo_api.script(SEND_PATH, {"error": -230, "message": "User has not interacted"})
    with caplog.at_level(logging.WARNING):
        await channel.get_output_channel().send_text_message(USER, "xin chào")

    assert len(fake_zalo_api.received(SEND_PATH)) == 1
    assert fake_zalo_api.received(OAUTH_PATH) == []
    assert "cannot be reached" in caplog.text


async def test_rate_limit_and_network_errors_are_retried(channel, fake_zalo_api):
    fake_zalo_api.script(SEND_PATH, {"error": -32, "message": "Exceeded rate limit"}, DROP)
    await channel.get_output_channel().send_text_message(USER, "xin chào")

    assert len(fake_zalo_api.received(SEND_PATH)) == 3


async def test_retries_give_up_after_the_limit(fake_zalo_api, token_store, caplog):
    channel = ZaloInput.from_credentials(credentials(fake_zalo_api, token_store, max_retries=1))
    fake_zalo_api.script(SEND_PATH, DROP, DROP, DROP)
    with caplog.at_level(logging.ERROR):
        await channel.get_output_channel().send_text_message(USER, "xin chào")

    assert len(fake_zalo_api.received(SEND_PATH)) == 2
    assert "not delivered" in caplog.text


async def test_sending_does_not_block_the_event_loop(channel, fake_zalo_api):
    fake_zalo_api.hold()
    sending = asyncio.create_task(channel.get_output_channel().send_text_message(USER, "xin chào"))
    await wait_until(lambda: len(fake_zalo_api.received()) == 1)
    assert not sending.done()
    fake_zalo_api.release()
    await sending


async def test_token_expiring_soon_is_refreshed_before_sending(fake_zalo_api, token_store):
    seed = TokenStore(token_store, REFRESH_TOKEN)
    seed.save(ZaloTokens("access-old", "refresh-old", expires_at=time.time() + 60))
    fake_zalo_api.script(OAUTH_PATH, NEW_TOKENS)
    channel = ZaloInput.from_credentials(credentials(fake_zalo_api, token_store))
    await channel.get_output_channel().send_text_message(USER, "xin chào")

    (refresh,) = fake_zalo_api.received(OAUTH_PATH)
    assert refresh.form["refresh_token"] == "refresh-old"
    (request,) = fake_zalo_api.received(SEND_PATH)
    assert request.headers["access_token"] == "access-2"


def test_store_is_ignored_when_credentials_bring_a_new_refresh_token(token_store):
    TokenStore(token_store, "refresh-from-yaml").save(ZaloTokens("a", "r"))
    assert TokenStore(token_store, "refresh-from-yaml").load() == ZaloTokens("a", "r")
    assert TokenStore(token_store, "a-new-one-from-the-console").load() is None


async def test_messages_beyond_the_sender_limit_get_the_slow_down_reply(rate_limits, fake_zalo_api, token_store):
    rate_limits(sender="2/60")
    channel = ZaloInput.from_credentials(credentials(fake_zalo_api, token_store))
    events = [user_text(text, f"msg-{text}") for text in ("một", "hai", "ba")]
    events.append(from_user(user_text("xin chào", "msg-other"), "other-user"))
    bot = FakeBot.answering()
    async with serve_channel(channel, bot) as base_url:
        statuses = [(await post(base_url, event)).status for event in events]
        await channel.drain()

    assert statuses == [200] * 4  # acknowledged all the same: Zalo must not retry
    assert bot.texts == ["một", "hai", "xin chào"]
    [reply] = sent(fake_zalo_api, but="Dạ")
    assert reply["recipient"] == {"user_id": USER}
    assert reply["message"]["text"].startswith(SLOW_DOWN_START)


async def test_dossier_lookups_are_limited_per_user(rate_limits, fake_zalo_api, token_store):
    rate_limits(lookup="1/600")
    channel = ZaloInput.from_credentials(credentials(fake_zalo_api, token_store))
    events = [
        user_text(f"tra cứu hồ sơ {DOSSIER_CODE}", "msg-1"),
        user_text(f"hồ sơ {DOSSIER_CODE}", "msg-2"),
        user_text("làm hộ chiếu cần gì", "msg-3"),
        from_user(user_text(f"hồ sơ {DOSSIER_CODE}", "msg-4"), "other-user"),
    ]
    bot = FakeBot.answering()
    async with serve_channel(channel, bot) as base_url:
        for event in events:
            await post(base_url, event)
        await channel.drain()

    assert bot.texts == [
        f"tra cứu hồ sơ {DOSSIER_CODE}",
        "làm hộ chiếu cần gì",
        f"hồ sơ {DOSSIER_CODE}",
    ]
    [reply] = sent(fake_zalo_api, but="Dạ")
    assert reply["recipient"] == {"user_id": USER}
    assert reply["message"]["text"].startswith(SLOW_DOWN_START)


async def test_an_over_long_message_is_cut_after_a_note(rate_limits, fake_zalo_api, token_store):
    rate_limits()
    channel = ZaloInput.from_credentials(credentials(fake_zalo_api, token_store, max_message_chars=40))
    text = "làm giấy khai sinh cho con cần những giấy tờ gì ạ " * 3
    bot = FakeBot.answering()
    async with serve_channel(channel, bot) as base_url:
        await post(base_url, user_text(text, "msg-1"))
        await channel.drain()

    assert bot.texts == [cut(text, 40)]
    assert [r["message"] for r in sent(fake_zalo_api)] == [
        {"text": too_long_note(40)},
        {"text": "Dạ"},
    ]


def test_credentials_come_from_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("ZALO_APP_ID", APP_ID)
    monkeypatch.setenv("ZALO_OA_SECRET_KEY", OA_SECRET_KEY)
    credentials_file = tmp_path / "credentials.yml"
    credentials_file.write_text(
        "bot.channels.zalo.ZaloInput:\n"
        "  app_id: ${ZALO_APP_ID}\n"
        "  app_secret: s\n"
        "  oa_secret_key: ${ZALO_OA_SECRET_KEY}\n"
        "  access_token: a\n"
        "  refresh_token: r\n"
        f"  token_store_path: {tmp_path / 'tokens.json'}\n"
    )

    (channel,) = create_http_input_channels(None, str(credentials_file))

    assert isinstance(channel, ZaloInput)
    assert channel.url_prefix() == "zalo"
    assert channel.settings.app_id == APP_ID
    assert channel.settings.api_base == "https://openapi.zalo.me"
    assert OA_SECRET_KEY not in repr(channel.settings)


def test_missing_oa_secret_key_is_refused(tmp_path):
    with pytest.raises(RasaException, match="oa_secret_key"):
        ZaloInput.from_credentials({"app_id": APP_ID, "app_secret": "s"})
