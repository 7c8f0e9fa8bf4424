"""Issue 19, findings 8 and 9 on Zalo and Messenger: whose conversation a
webhook event writes to, what a citizen may type, and what they get when the
assistant is in trouble (before: silence)."""

import json
import os
from pathlib import Path

import pytest
from rasa.core.channels.channel import UserMessage

from bot.channels import fault_reply
from core.wording import SERVICE_UNAVAILABLE_REPLY
from tests.unit.bot.channels import test_facebook as fb
from tests.unit.bot.channels import test_zalo as zalo
from tests.unit.bot.channels.helpers import FakeBot, serve_channel
from tests.support import free_port

MODEL = Path(__file__).resolve().parents[4] / "models" / "assistant.tar.gz"
FAULT_REPLY = fault_reply(SERVICE_UNAVAILABLE_REPLY)
DOSSIER_CODE = "000.00.12.H48-251103-0021"
# Answered by a custom action (the action server), not by a fixed response.
NEEDS_THE_ACTION_SERVER = "làm giấy khai sinh cần giấy tờ gì"


@pytest.fixture
def zalo_channel(fake_zalo_api, tmp_path):
    return zalo.ZaloInput.from_credentials(zalo.credentials(fake_zalo_api, str(tmp_path / "tokens.json")))


@pytest.fixture
def messenger_channel(fake_graph_api):
    return fb.make_channel(fake_graph_api)


async def test_the_same_platform_id_is_two_conversations_on_two_channels(
    zalo_channel, messenger_channel, fake_zalo_api, fake_graph_api
):
    same_id = "1234567890"
    bot = FakeBot.answering()
    async with serve_channel(zalo_channel, bot) as zalo_url, serve_channel(messenger_channel, bot) as messenger_url:
        await zalo.post(zalo_url, zalo.from_user(zalo.user_text("xin chào", "z1"), same_id))
        await zalo_channel.drain()
        await fb.post(messenger_url, fb.webhook_body([fb.text_event("xin chào", "m1", sender=same_id)]))

    assert [m.sender_id for m in bot.messages] == [f"zalo:{same_id}", f"messenger:{same_id}"]
    # Replies go to the platforms' own ids.
    assert [body["recipient"] for body in zalo.sent(fake_zalo_api)] == [{"user_id": same_id}]
    assert [recipient for recipient, _ in fb.sent_to(fake_graph_api, but="")] == [same_id]


TYPED_COMMANDS = [
    ("/restart", "restart"),
    ("/session_start", "session_start"),
    (
        f'/check_dossier_status{{"dossier_code": "{DOSSIER_CODE}", "phone_digits": "5678"}}',
        f'check_dossier_status{{"dossier_code": "{DOSSIER_CODE}", "phone_digits": "5678"}}',
    ),
    # What the bot's own buttons send stays a command (a Zalo button comes back as text).
    ('/ask_documents{"procedure": "1.001193"}', '/ask_documents{"procedure": "1.001193"}'),
]


@pytest.mark.parametrize("typed, read", TYPED_COMMANDS)
async def test_typed_rasa_commands_are_read_as_text_on_zalo(zalo_channel, typed, read):
    bot = FakeBot.answering()
    async with serve_channel(zalo_channel, bot) as base_url:
        await zalo.post(base_url, zalo.user_text(typed, "msg-1"))
        await zalo_channel.drain()

    assert bot.texts == [read]


@pytest.mark.parametrize("typed, read", TYPED_COMMANDS)
async def test_typed_rasa_commands_are_read_as_text_on_messenger(messenger_channel, typed, read):
    bot = FakeBot.answering()
    async with serve_channel(messenger_channel, bot) as base_url:
        await fb.post(base_url, fb.webhook_body([fb.text_event(typed, "m_1")]))

    assert bot.texts == [read]


async def test_tapped_messenger_payloads_pass_as_commands(messenger_channel):
    quick_reply = fb.text_event("Khai sinh", "m_1")
    quick_reply["message"]["quick_reply"] = {"payload": '/ask_documents{"procedure": "1.001193"}'}
    postback = {
        "sender": {"id": fb.USER},
        "recipient": {"id": fb.PAGE_ID},
        "postback": {"mid": "m_2", "title": "Tra cứu", "payload": "/check_dossier_status"},
    }
    bot = FakeBot.answering()
    async with serve_channel(messenger_channel, bot) as base_url:
        await fb.post(base_url, fb.webhook_body([quick_reply, postback]))

    assert bot.texts == ['/ask_documents{"procedure": "1.001193"}', "/check_dossier_status"]


async def failing_turn(message: UserMessage) -> None:
    raise ConnectionError("tracker store unreachable")


async def test_a_failed_zalo_turn_gets_the_polite_fault_reply(zalo_channel, fake_zalo_api):
    async with serve_channel(zalo_channel, FakeBot(failing_turn)) as base_url:
        await zalo.post(base_url, zalo.user_text("xin chào", "msg-1"))
        await zalo_channel.drain()

    assert zalo.sent(fake_zalo_api) == [{"recipient": {"user_id": zalo.USER}, "message": {"text": FAULT_REPLY}}]


async def test_a_failed_messenger_turn_gets_the_polite_fault_reply(messenger_channel, fake_graph_api):
    async with serve_channel(messenger_channel, FakeBot(failing_turn)) as base_url:
        response = await fb.post(base_url, fb.webhook_body([fb.text_event("xin chào", "m_1")]))

    assert response.status == 200
    assert fb.sent_to(fake_graph_api, but="") == [(fb.USER, {"text": FAULT_REPLY})]


@pytest.fixture(scope="module")
def agent_without_action_server():
    """The trained assistant, its action server unreachable (a closed port)."""
    if not MODEL.exists():
        message = f"no trained model at {MODEL} (make train)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    return Agent.load(
        str(MODEL),
        action_endpoint=EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook"),
    )


async def test_zalo_citizen_gets_the_fault_reply_when_the_action_server_is_down(
    agent_without_action_server, zalo_channel, fake_zalo_api
):
    async with serve_channel(zalo_channel, agent=agent_without_action_server) as base_url:
        await zalo.post(base_url, zalo.user_text(NEEDS_THE_ACTION_SERVER, "msg-down"))
        await zalo_channel.drain()

    assert [body["message"]["text"] for body in zalo.sent(fake_zalo_api)] == [FAULT_REPLY]
    assert zalo.sent(fake_zalo_api)[0]["recipient"] == {"user_id": zalo.USER}


async def test_messenger_citizen_gets_the_fault_reply_when_the_action_server_is_down(
    agent_without_action_server, messenger_channel, fake_graph_api
):
    async with serve_channel(messenger_channel, agent=agent_without_action_server) as base_url:
        body = fb.webhook_body([fb.text_event(NEEDS_THE_ACTION_SERVER, "m_down")])
        response = await fb.post(base_url, body)

    assert response.status == 200
    assert fb.sent_to(fake_graph_api, but="") == [(fb.USER, {"text": FAULT_REPLY})]


async def test_the_real_assistant_still_answers_through_the_channels(
    agent_without_action_server, zalo_channel, fake_zalo_api
):
    # A fixed response needs no action server: no fault reply then.
    async with serve_channel(zalo_channel, agent=agent_without_action_server) as base_url:
        await zalo.post(base_url, zalo.user_text("xin chào", "msg-hello"))
        await zalo_channel.drain()

    texts = [body["message"].get("text") or json.dumps(body["message"]) for body in zalo.sent(fake_zalo_api)]
    assert texts and FAULT_REPLY not in texts
