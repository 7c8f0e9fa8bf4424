"""The shared fault path with the real Rasa agent and the action server down (issue 19, finding 9).

Rasa answers nothing when a custom action cannot be reached; every channel's
output must still get the polite reply. Runs the trained model in-process, with
the action endpoint on a port where nothing listens.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import conversation_id, public_text, run_turn
from tests.support import free_port

MODEL = Path(__file__).resolve().parents[2] / "models" / "assistant.tar.gz"


@pytest.fixture(scope="module")
def agent_without_action_server():
    if not MODEL.is_file():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.endpoints import EndpointConfig

    loop = asyncio.new_event_loop()
    endpoint = EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook")  # nothing listens there
    agent = loop.run_until_complete(load_agent(model_path=str(MODEL), endpoints=AvailableEndpoints(action=endpoint)))
    yield agent, loop
    loop.close()


@pytest.mark.parametrize("channel", ["zalo", "messenger", "web", "rest"])
def test_every_channel_gets_the_polite_reply_when_the_action_server_is_down(agent_without_action_server, channel):
    agent, loop = agent_without_action_server
    output = CollectingOutputChannel()
    text = public_text('/ask_documents{"procedure": "1.001193"}')  # a button: answered by a custom action
    message = UserMessage(text, output, conversation_id(channel, "42"), input_channel=channel)

    silent = CollectingOutputChannel()
    loop.run_until_complete(agent.handle_message(UserMessage(text, silent, conversation_id(channel, "43"))))
    assert silent.messages == []  # what Zalo and Messenger citizens got: nothing

    fault = loop.run_until_complete(run_turn(agent.handle_message, message, agent, reply_timeout=30))
    assert "sự cố" in fault and output.messages == [{"recipient_id": f"{channel}:42", "text": fault}]


def test_a_greeting_needs_no_action_server_and_passes_untouched(agent_without_action_server):
    agent, loop = agent_without_action_server
    output = CollectingOutputChannel()
    message = UserMessage("/greet", output, conversation_id("zalo", "44"), input_channel="zalo")
    assert loop.run_until_complete(run_turn(agent.handle_message, message, agent)) is None
    assert output.messages and all("sự cố" not in reply.get("text", "") for reply in output.messages)
