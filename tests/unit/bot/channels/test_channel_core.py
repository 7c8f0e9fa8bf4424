"""The channels' shared core (issue 19): conversation ids, the command policy, the fault path."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from core.settings import current as settings  # the hotline citizens are given (SUPPORT_HOTLINE)
from bot.channels import (
    MAX_SENDER_ID_CHARS,
    InvalidSender,
    apply_limits,
    conversation_id,
    lookup_text,
    platform_user_id,
    public_text,
    run_turn,
)
from bot.channels.commands import domain_intents
from bot.rate_limit import ChannelGuard, Rate
from bot.stores.tracker_store import _record_error

CODE = "000.00.12.H48-251015-0009"
ESCAPED_CODE = CODE.replace(".", "\\u002e")


# Conversation ids (finding 8) --------------------------------------------------------------------


def test_the_same_user_id_on_two_channels_names_two_conversations():
    ids = {conversation_id(channel, "123") for channel in ("rest", "web", "zalo", "messenger")}
    assert ids == {"rest:123", "web:123", "zalo:123", "messenger:123"}
    # A REST client naming itself after a Zalo conversation stays in its own namespace.
    assert conversation_id("rest", "zalo:123") == "rest:zalo:123" != conversation_id("zalo", "123")


def test_the_platform_id_comes_back_for_the_output_channels():
    assert platform_user_id("zalo:123") == "123"
    assert platform_user_id("rest:zalo:123") == "zalo:123"
    assert platform_user_id("123") == "123"  # no namespace: unchanged (idempotent)
    assert platform_user_id(platform_user_id("messenger:9")) == "9"


@pytest.mark.parametrize(
    "user_id",
    ["", "   ", None, "x" * (MAX_SENDER_ID_CHARS + 1), "1\nINFO forged", "a\x00b"],
    ids=["empty", "blank", "none", "129 chars", "line break", "NUL"],
)
def test_blank_and_overlong_user_ids_are_refused(user_id):
    with pytest.raises(InvalidSender):
        conversation_id("rest", user_id)


def test_an_id_of_the_maximum_length_is_accepted_and_channels_are_checked():
    assert conversation_id("zalo", "9" * MAX_SENDER_ID_CHARS) == "zalo:" + "9" * MAX_SENDER_ID_CHARS
    with pytest.raises(ValueError):
        conversation_id("default", "1")  # a channel name is the code's, not a client's


# The command policy (finding 2(c)) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, read",
    [
        ("/restart", "restart"),
        ("/session_start", "session_start"),
        ("  /back", "back"),
        ("//stop", "stop"),
        ("/nlu_fallback", "nlu_fallback"),
        (
            f'/check_dossier_status{{"dossier_code": "{ESCAPED_CODE}"}}',
            f'check_dossier_status{{"dossier_code": "{ESCAPED_CODE}"}}',
        ),
        ('/inform{"phone_last4": "1234"}', 'inform{"phone_last4": "1234"}'),
        (
            '/ask_documents{"procedure": "1.001193", "dossier_code": "x"}',
            'ask_documents{"procedure": "1.001193", "dossier_code": "x"}',
        ),
        ('/ask_documents{"procedure": ["1.001193"]}', 'ask_documents{"procedure": ["1.001193"]}'),
        ("/greet@0.9", "greet@0.9"),
        ("/not_an_intent", "not_an_intent"),
    ],
)
def test_typed_commands_and_forged_payloads_become_plain_text(typed, read):
    assert public_text(typed) == read
    assert not public_text(typed).startswith("/")


@pytest.mark.parametrize(
    "payload, read",
    [
        ('/ask_documents{"procedure": "1.001193"}', '/ask_documents{"procedure": "1.001193"}'),
        ('/ask_documents{"procedure":"1\\u002e001193"}', '/ask_documents{"procedure": "1.001193"}'),  # canonical
        ("/check_dossier_status", "/check_dossier_status"),
        ("/request_human", "/request_human"),
        ("/greet", "/greet"),
        ("/affirm", "/affirm"),
        ("/ask_fee{}", "/ask_fee"),
    ],
)
def test_the_bots_own_button_payloads_still_pass(payload, read):
    assert public_text(payload) == read


def test_every_button_payload_of_the_domain_passes():
    """The payloads written in bot/domain/*.yml are read as the commands they are."""
    import yaml
    from bot.channels.commands import DOMAIN_DIR

    payloads = []
    for path in DOMAIN_DIR.glob("*.yml"):
        for variants in ((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses") or {}).values():
            for variant in variants:
                payloads += [button["payload"] for button in variant.get("buttons") or []]
    commands = [payload.replace("{{", "{").replace("}}", "}") for payload in payloads if payload.startswith("/")]
    assert commands and all(public_text(command) == command for command in commands)
    assert "restart" not in domain_intents() and "session_start" not in domain_intents()


def test_ordinary_text_is_untouched():
    for text in ("xin chào", " làm hộ chiếu cần gì ", "1/2 số tiền", f"mã {CODE}", ""):
        assert public_text(text) == text


def test_the_lookup_limit_sees_a_code_hidden_with_json_escapes():
    from core.text import DOSSIER_CODE_PATTERN

    typed = f'/check_dossier_status{{"dossier_code": "{ESCAPED_CODE}"}}'
    assert not DOSSIER_CODE_PATTERN.search(typed)  # what the limiter searched before
    assert DOSSIER_CODE_PATTERN.search(lookup_text(public_text(typed)))
    assert lookup_text("xin chào {không phải json") == "xin chào {không phải json"
    nested = '{"a": ' + "[" * 1990
    assert lookup_text(nested) == nested  # absurd nesting (RecursionError inside json): the text as it is


@pytest.mark.parametrize(
    "text",
    [
        "/" * 2000,
        " " * 1999 + "/",
        "/greet{" + '"procedure": "' * 200,
        "/a" + "{" * 1998,
        '{"a": ' + "[" * 1994,
        "/check_dossier_status{" + " " * 1900 + "}",
        '/ask_fee{"procedure": "' + "1." * 980 + '"}',
    ],
    ids=["slashes", "spaces", "repeated keys", "braces", "nesting", "spaces in payload", "long value"],
)
def test_the_policy_runs_in_linear_time_on_adversarial_messages_of_the_maximum_length(text):
    import time

    started = time.perf_counter()
    lookup_text(public_text(text))
    assert time.perf_counter() - started < 0.5  # hard limit; linear code takes well under 1 ms


def test_apply_limits_counts_escaped_codes_and_hands_over_plain_text():
    guard = ChannelGuard(sender=None, ip=None, lookup=Rate(2, 600), exempt="")
    output = CollectingOutputChannel()
    typed = f'/check_dossier_status{{"dossier_code": "{ESCAPED_CODE}"}}'

    async def scenario():
        return [await apply_limits(guard, output, "zalo:1", typed, 2000) for _ in range(3)]

    first, second, third = asyncio.run(scenario())
    assert first == second == public_text(typed) and third is None  # the 3rd lookup is refused
    assert "giây" in output.messages[-1]["text"]


# The shared fault path (finding 9) ---------------------------------------------------------------


class Agent:
    def __init__(self, paused: bool = False):
        self.paused = paused
        self.tracker_store = self

    def is_ready(self) -> bool:
        return True

    async def retrieve(self, _conversation):
        return SimpleNamespace(is_paused=lambda: self.paused)


def turn(bot, agent=None, timeout: float = 5.0):
    output = CollectingOutputChannel()
    message = UserMessage("xin chào", output, "zalo:42", input_channel="zalo")
    fault = asyncio.run(run_turn(bot, message, agent, reply_timeout=timeout))
    return fault, output.messages


def test_an_action_server_outage_gets_the_polite_reply_through_the_channels_output():
    async def silent(_message):  # what Rasa does when a custom action cannot be reached
        return None

    fault, sent = turn(silent)
    assert "sự cố" in fault and settings().support_hotline in fault
    assert sent == [{"recipient_id": "zalo:42", "text": fault}]


def test_a_failing_turn_and_a_store_error_get_the_polite_reply(monkeypatch):
    monkeypatch.setenv("SUPPORT_HOTLINE", "0236 3822 222")

    async def crash(_message):
        raise ConnectionError("lock store")

    async def answered_without_store(message):
        _record_error(OSError("database down"))
        await message.output_channel.send_text_message(message.sender_id, "an answer without context")

    for bot in (crash, answered_without_store):
        fault, sent = turn(bot)
        assert "sự cố" in fault and "0236 3822 222" in fault and sent[-1]["text"] == fault


def test_answers_and_handed_over_silence_pass_untouched():
    async def answer(message):
        await message.output_channel.send_text_message(message.sender_id, "Dạ, xin chào!")

    async def silent(_message):
        return None

    assert turn(answer) == (None, [{"recipient_id": "zalo:42", "text": "Dạ, xin chào!"}])
    assert turn(silent, agent=Agent(paused=True)) == (None, [])


def test_a_slow_turn_gets_the_busy_reply_and_still_finishes():
    done = []

    async def slow(message):
        await asyncio.sleep(0.3)
        done.append(True)
        await message.output_channel.send_text_message(message.sender_id, "late answer")

    async def scenario():
        output = CollectingOutputChannel()
        fault = await run_turn(slow, UserMessage("x", output, "messenger:7"), reply_timeout=0.05)
        await asyncio.sleep(0.5)
        return fault, output.messages

    fault, sent = asyncio.run(scenario())
    assert "bận" in fault and done == [True]
    assert [message["text"] for message in sent] == [fault, "late answer"]


def test_a_broken_output_channel_does_not_raise():
    class Broken(CollectingOutputChannel):
        async def send_text_message(self, *_args, **_kwargs):
            raise ConnectionError("Zalo API down")

    async def silent(_message):
        return None

    message = UserMessage("x", Broken(), "zalo:1")
    assert "sự cố" in asyncio.run(run_turn(silent, message))


def test_the_channel_name_reaches_the_bot_unchanged():
    """Responses may vary by output channel name: the watched output keeps the channel's."""
    names = []

    async def bot(message):
        names.append(message.output_channel.name())
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})

    assert turn(bot) == (None, [{"recipient_id": "zalo:42", "text": "ok"}])
    assert names == [CollectingOutputChannel.name()]


def test_payload_json_is_canonical_so_stored_text_has_no_escapes():
    read = public_text('/ask_documents{"procedure": "1\\u002e001193"}')
    assert json.loads(read[len("/ask_documents") :]) == {"procedure": "1.001193"} and "\\u" not in read
