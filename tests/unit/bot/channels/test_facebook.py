"""Facebook Messenger channel, end to end: signed webhook calls in Messenger's
format reach a fake bot; replies reach a local fake Graph API."""

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.run import create_http_input_channels
from rasa.shared.exceptions import RasaException

from bot.channels import cut, too_long_note
from bot.channels.facebook import FacebookInput, GraphApiClient
from core.wording import SLOW_DOWN_REPLY, UNSUPPORTED_MEDIA_REPLY
from tests.unit.bot.channels.helpers import FakeBot, FakeHttpApi, post_webhook, serve_channel, wait_until

APP_SECRET = "test-app-secret"
PAGE_TOKEN = "test-page-token"
VERIFY_TOKEN = "test-verify-token"
PAGE_ID = "100000000000001"
USER = "6000000000000001"
MESSAGES_PATH = "/v21.0/me/messages"
DOSSIER_CODE = "000.00.12.H48-251103-0021"
SLOW_DOWN_START = SLOW_DOWN_REPLY.split("{seconds}")[0]

MANY_BUTTONS = [
    {"title": "Khai sinh", "payload": "/ask_documents"},
    {"title": "Kết hôn", "payload": "/ask_fee"},
    {"title": "Thường trú", "payload": "/ask_steps"},
    {"title": "Tạm trú", "payload": "/ask_online"},
    {"title": "Hộ chiếu", "payload": "/ask_where_to_submit"},
]


def make_channel(api: FakeHttpApi, timeout: float = 2.0, **credentials: Any) -> FacebookInput:
    return FacebookInput.from_credentials(
        {
            "verify": VERIFY_TOKEN,
            "secret": APP_SECRET,
            "page-access-token": PAGE_TOKEN,
            "graph-api-url": f"{api.url}/v21.0",
            "timeout": timeout,
            **credentials,
        }
    )


def text_event(text: str, mid: str, sender: str = USER) -> Dict[str, Any]:
    return {
        "sender": {"id": sender},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1730000000000,
        "message": {"mid": mid, "text": text},
    }


def webhook_body(*entries: List[Dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [{"id": PAGE_ID, "time": 1730000000000, "messaging": events} for events in entries],
        }
    ).encode()


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post(base_url: str, body: bytes, signature: Optional[str] = "sign", **headers: str) -> aiohttp.ClientResponse:
    if signature == "sign":
        signature = sign(body)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    headers["Content-Type"] = "application/json"
    return await post_webhook(f"{base_url}/webhooks/facebook/webhook", body, headers)


def sent_messages(api: FakeHttpApi) -> List[Dict[str, Any]]:
    """The `message` objects the channel sent (sender actions left out)."""
    return [r.json["message"] for r in api.received(MESSAGES_PATH) if "message" in r.json]


async def test_signed_text_message_reaches_the_bot(fake_graph_api):
    bot = FakeBot()
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        response = await post(base_url, webhook_body([text_event("xin chào", "m_1")]))

    assert response.status == 200
    assert bot.texts == ["xin chào"]
    message = bot.messages[0]
    assert message.sender_id == f"messenger:{USER}"  # namespaced by channel
    assert message.input_channel == "facebook"
    assert message.message_id == "m_1"


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no signature at all
        {"X-Hub-Signature-256": sign(b"something else")},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": sign(b"", secret="other-secret")},
        {"X-Hub-Signature-256": "sha1=abc"},
    ],
)
async def test_missing_or_wrong_signature_is_rejected(fake_graph_api, headers):
    bot = FakeBot()
    body = webhook_body([text_event("xin chào", "m_1")])
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        response = await post(base_url, body, signature=None, **headers)

    assert response.status == 403
    assert bot.messages == []
    assert fake_graph_api.received() == []


async def test_signature_by_another_secret_is_rejected(fake_graph_api):
    bot = FakeBot()
    body = webhook_body([text_event("xin chào", "m_1")])
    legacy = "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest()
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        forged = await post(base_url, body, signature=sign(body, "not-the-secret"))
        # Rasa accepts the legacy SHA-1 header; this channel requires SHA-256.
        sha1_only = await post(base_url, body, signature=None, **{"X-Hub-Signature": legacy})

    assert forged.status == 403
    assert sha1_only.status == 403
    assert bot.messages == []


async def test_every_event_of_a_batch_is_handled_and_receipts_ignored(fake_graph_api):
    bot = FakeBot()
    echo = {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": USER},
        "message": {"mid": "m_echo", "is_echo": True, "app_id": 1, "text": "trả lời"},
    }
    delivery = {
        "sender": {"id": USER},
        "recipient": {"id": PAGE_ID},
        "delivery": {"mids": ["m_echo"], "watermark": 1730000000000},
    }
    read = {
        "sender": {"id": USER},
        "recipient": {"id": PAGE_ID},
        "read": {"watermark": 1},
    }
    body = webhook_body(
        [text_event("một", "m_1"), echo, text_event("hai", "m_2", sender="u2")],
        [delivery, read, text_event("ba", "m_3")],
    )
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        response = await post(base_url, body)

    assert response.status == 200
    assert bot.texts == ["một", "hai", "ba"]
    assert [m.sender_id for m in bot.messages] == [
        f"messenger:{USER}",
        "messenger:u2",
        f"messenger:{USER}",
    ]


async def test_quick_reply_payload_wins_over_text_and_postback_becomes_payload(
    fake_graph_api,
):
    bot = FakeBot()
    quick_reply = text_event("Khai sinh", "m_1")
    quick_reply["message"]["quick_reply"] = {"payload": "/ask_documents"}
    postback = {
        "sender": {"id": USER},
        "recipient": {"id": PAGE_ID},
        "timestamp": 1730000000000,
        "postback": {"mid": "m_2", "title": "Bắt đầu", "payload": "/greet"},
    }
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        await post(base_url, webhook_body([quick_reply, postback]))

    assert bot.texts == ["/ask_documents", "/greet"]


async def test_redelivered_event_is_handled_once(fake_graph_api):
    bot = FakeBot()
    body = webhook_body([text_event("xin chào", "m_1")])
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        await post(base_url, body)
        await post(base_url, body)

    assert bot.texts == ["xin chào"]


async def test_media_gets_the_polite_text_only_reply(fake_graph_api):
    bot = FakeBot()
    image = {
        "sender": {"id": USER},
        "recipient": {"id": PAGE_ID},
        "message": {
            "mid": "m_img",
            "attachments": [{"type": "image", "payload": {"url": "https://x/y.jpg"}}],
        },
    }
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        await post(base_url, webhook_body([image]))

    assert bot.messages == []
    assert sent_messages(fake_graph_api) == [{"text": UNSUPPORTED_MEDIA_REPLY}]


async def test_reply_goes_to_the_graph_api_with_typing_indicators(fake_graph_api):
    async def answer(message: UserMessage) -> None:
        await message.output_channel.send_response(message.sender_id, {"text": "Chào Anh/Chị.\n\nTôi có thể giúp gì?"})

    async with serve_channel(make_channel(fake_graph_api), FakeBot(answer)) as base_url:
        await post(base_url, webhook_body([text_event("xin chào", "m_1")]))

    requests = fake_graph_api.received(MESSAGES_PATH)
    assert all(r.query["access_token"] == [PAGE_TOKEN] for r in requests)
    assert [r.json.get("sender_action") for r in requests] == [
        "mark_seen",
        "typing_on",
        None,
        None,
        "typing_off",
    ]
    assert requests[2].json["recipient"] == {"id": USER}
    assert requests[2].json["messaging_type"] == "RESPONSE"
    assert sent_messages(fake_graph_api) == [
        {"text": "Chào Anh/Chị."},
        {"text": "Tôi có thể giúp gì?"},
    ]


async def test_more_than_three_buttons_become_quick_replies(fake_graph_api):
    async def answer(message: UserMessage) -> None:
        await message.output_channel.send_response(
            message.sender_id,
            {"text": "Anh/Chị hỏi về thủ tục nào?", "buttons": MANY_BUTTONS},
        )

    async with serve_channel(make_channel(fake_graph_api), FakeBot(answer)) as base_url:
        await post(base_url, webhook_body([text_event("thủ tục", "m_1")]))

    assert sent_messages(fake_graph_api) == [
        {
            "text": "Anh/Chị hỏi về thủ tục nào?",
            "quick_replies": [
                {"content_type": "text", "title": b["title"], "payload": b["payload"]} for b in MANY_BUTTONS
            ],
        }
    ]


async def test_up_to_three_buttons_use_the_button_template(fake_graph_api):
    output = make_channel(fake_graph_api).get_output_channel()
    await output.send_text_with_buttons(USER, "Anh/Chị cần gì?", MANY_BUTTONS[:3])

    (message,) = sent_messages(fake_graph_api)
    payload = message["attachment"]["payload"]
    assert payload["template_type"] == "button"
    assert payload["text"] == "Anh/Chị cần gì?"
    assert payload["buttons"] == [dict(b, type="postback") for b in MANY_BUTTONS[:3]]
    assert "type" not in MANY_BUTTONS[0]  # the domain's buttons are not modified


async def test_long_titles_are_numbered_and_a_typed_number_picks_the_option(
    fake_graph_api,
):
    buttons = [{"title": f"Đăng ký khai sinh trường hợp {i}", "payload": f"/choose_{i}"} for i in range(1, 5)]

    async def answer(message: UserMessage) -> None:
        if message.text == "khai sinh":
            await message.output_channel.send_response(
                message.sender_id, {"text": "Trường hợp nào?", "buttons": buttons}
            )
        else:
            await message.output_channel.send_response(message.sender_id, {"text": "Dạ"})

    bot = FakeBot(answer)
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        await post(base_url, webhook_body([text_event("khai sinh", "m_1")]))
        await post(base_url, webhook_body([text_event("số 3", "m_2")]))

    message, _ = sent_messages(fake_graph_api)
    assert message["text"].startswith("Trường hợp nào?\n1. Đăng ký khai sinh trường hợp 1\n")
    titles = [q["title"] for q in message["quick_replies"]]
    assert all(len(title) <= 20 for title in titles)
    assert titles[0].startswith("1. Đăng ký")
    assert bot.texts == ["khai sinh", "/choose_3"]


async def test_more_than_thirteen_options_fall_back_to_numbered_text(fake_graph_api):
    buttons = [{"title": f"Thủ tục {i}", "payload": f"/p{i}"} for i in range(1, 16)]

    async def answer(message: UserMessage) -> None:
        if message.text == "danh sách":
            await message.output_channel.send_response(message.sender_id, {"text": "Chọn thủ tục:", "buttons": buttons})
        else:
            await message.output_channel.send_response(message.sender_id, {"text": "Dạ"})

    bot = FakeBot(answer)
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        await post(base_url, webhook_body([text_event("danh sách", "m_1")]))
        await post(base_url, webhook_body([text_event("14", "m_2")]))

    message, _ = sent_messages(fake_graph_api)
    assert "quick_replies" not in message
    assert message["text"].splitlines()[0] == "Chọn thủ tục:"
    assert message["text"].splitlines()[15] == "15. Thủ tục 15"
    assert bot.texts == ["danh sách", "/p14"]


def sent_to(api: FakeHttpApi, but: str = "Dạ") -> List[Any]:
    """(recipient, message) of each message the channel sent, but the bot's answer `but`."""
    return [
        (r.json["recipient"]["id"], r.json["message"])
        for r in api.received(MESSAGES_PATH)
        if "message" in r.json and r.json["message"].get("text") != but
    ]


async def test_messages_beyond_the_sender_limit_get_the_slow_down_reply(rate_limits, fake_graph_api):
    rate_limits(sender="2/60")
    bot = FakeBot.answering()
    body = webhook_body(
        [text_event(text, f"m_{text}") for text in ("một", "hai", "ba")],
        [text_event("xin chào", "m_other", sender="u2")],
    )
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        response = await post(base_url, body)

    assert response.status == 200  # acknowledged all the same: Meta must not retry
    assert bot.texts == ["một", "hai", "xin chào"]
    [(recipient, reply)] = sent_to(fake_graph_api)
    assert recipient == USER and reply["text"].startswith(SLOW_DOWN_START)


async def test_dossier_lookups_are_limited_per_user(rate_limits, fake_graph_api):
    rate_limits(lookup="1/600")
    bot = FakeBot.answering()
    body = webhook_body(
        [
            text_event(f"tra cứu hồ sơ {DOSSIER_CODE}", "m_1"),
            text_event(f"hồ sơ {DOSSIER_CODE}", "m_2"),
            text_event("làm hộ chiếu cần gì", "m_3"),
            text_event(f"hồ sơ {DOSSIER_CODE}", "m_4", sender="u2"),
        ]
    )
    async with serve_channel(make_channel(fake_graph_api), bot) as base_url:
        await post(base_url, body)

    assert bot.texts == [
        f"tra cứu hồ sơ {DOSSIER_CODE}",
        "làm hộ chiếu cần gì",
        f"hồ sơ {DOSSIER_CODE}",
    ]
    [(recipient, reply)] = sent_to(fake_graph_api)
    assert recipient == USER and reply["text"].startswith(SLOW_DOWN_START)


async def test_an_over_long_message_is_cut_after_a_note(rate_limits, fake_graph_api):
    rate_limits()
    text = "làm giấy khai sinh cho con cần những giấy tờ gì ạ " * 3
    bot = FakeBot.answering()
    channel = make_channel(fake_graph_api, max_message_chars=40)
    async with serve_channel(channel, bot) as base_url:
        await post(base_url, webhook_body([text_event(text, "m_1")]))

    assert bot.texts == [cut(text, 40)]
    assert sent_messages(fake_graph_api) == [{"text": too_long_note(40)}, {"text": "Dạ"}]


async def test_webhook_verification(fake_graph_api):
    async with serve_channel(make_channel(fake_graph_api), FakeBot()) as base_url:
        async with aiohttp.ClientSession() as session:
            url = f"{base_url}/webhooks/facebook/webhook"
            params = {"hub.mode": "subscribe", "hub.challenge": "12345"}
            async with session.get(url, params={**params, "hub.verify_token": VERIFY_TOKEN}) as ok:
                assert ok.status == 200
                assert await ok.text() == "12345"
            async with session.get(url, params={**params, "hub.verify_token": "nope"}) as bad:
                assert bad.status == 403


async def test_sending_does_not_block_the_event_loop(fake_graph_api):
    output = make_channel(fake_graph_api).get_output_channel()
    fake_graph_api.hold()
    sending = asyncio.create_task(output.send_text_message(USER, "xin chào"))
    # The loop keeps running while the Graph API has not answered yet.
    await wait_until(lambda: len(fake_graph_api.received()) == 1)
    assert not sending.done()
    fake_graph_api.release()
    await sending
    assert sent_messages(fake_graph_api) == [{"text": "xin chào"}]


async def test_sending_times_out_without_raising(fake_graph_api, caplog):
    client = GraphApiClient(PAGE_TOKEN, f"{fake_graph_api.url}/v21.0", timeout=0.2)
    fake_graph_api.hold()
    with caplog.at_level(logging.WARNING):
        assert await client.send_message(USER, {"text": "xin chào"}) is False
    fake_graph_api.release()
    assert "unreachable" in caplog.text
    assert PAGE_TOKEN not in caplog.text  # requests puts the URL in its errors


async def test_graph_api_errors_are_logged_not_raised(fake_graph_api, caplog):
    fake_graph_api.script(
        MESSAGES_PATH,
        (400, {"error": {"message": "(#100) Invalid parameter", "code": 100}}),
    )
    client = GraphApiClient(PAGE_TOKEN, f"{fake_graph_api.url}/v21.0")
    with caplog.at_level(logging.WARNING):
        assert await client.send_message(USER, {"text": "x"}) is False
    assert "code 100" in caplog.text


def test_credentials_come_from_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("FB_VERIFY_TOKEN", "v-from-env")
    monkeypatch.setenv("FB_APP_SECRET", "s-from-env")
    monkeypatch.setenv("FB_PAGE_ACCESS_TOKEN", "t-from-env")
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(
        "bot.channels.facebook.FacebookInput:\n"
        "  verify: ${FB_VERIFY_TOKEN}\n"
        "  secret: ${FB_APP_SECRET}\n"
        "  page-access-token: ${FB_PAGE_ACCESS_TOKEN}\n"
    )

    (channel,) = create_http_input_channels(None, str(credentials))

    assert isinstance(channel, FacebookInput)
    assert (channel.fb_verify, channel.fb_secret, channel.fb_access_token) == (
        "v-from-env",
        "s-from-env",
        "t-from-env",
    )
    assert channel.url_prefix() == "facebook"


def test_an_empty_secret_is_refused():
    with pytest.raises(RasaException, match="secret"):
        FacebookInput.from_credentials({"verify": "v", "secret": "", "page-access-token": "t"})
