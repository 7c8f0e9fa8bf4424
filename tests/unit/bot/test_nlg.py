"""bot/nlg.py: the domain's fixed replies give the province's hotline, the same one as the actions and channels."""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml
from rasa.core.nlg import NaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from bot.nlg import SettingsResponses
from core.settings import DEFAULT_HOTLINE

ROOT = Path(__file__).resolve().parents[3]
PROVINCE_HOTLINE = "0236 3822 222"


def domain() -> Domain:
    return Domain.load(str(ROOT / "bot" / "domain"))


def reply(generator: NaturalLanguageGenerator, response: str, **kwargs) -> str:
    tracker = DialogueStateTracker("citizen", domain().slots)
    return asyncio.run(generator.generate(response, tracker, "rest", **kwargs))["text"]


def test_no_fixed_reply_hard_codes_the_hotline():
    """A province with its own hotline must not show citizens two numbers (the national one was in utter_default)."""
    for path in (ROOT / "bot" / "domain").glob("*.yml"):
        for name, variations in (yaml.safe_load(path.read_text(encoding="utf-8")).get("responses") or {}).items():
            assert not any(DEFAULT_HOTLINE in (v.get("text") or "") for v in variations), name


def test_the_server_fills_the_hotline_from_the_settings(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:5055/webhook")  # read by the same file
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "token")
    endpoint = read_endpoint_config(str(ROOT / "bot" / "endpoints.yml"), "nlg")
    generator = NaturalLanguageGenerator.create(endpoint, domain())  # as Rasa builds it from bot/endpoints.yml
    assert isinstance(generator, SettingsResponses)

    monkeypatch.setenv("SUPPORT_HOTLINE", PROVINCE_HOTLINE)
    text = reply(generator, "utter_default")
    assert PROVINCE_HOTLINE in text and DEFAULT_HOTLINE not in text and "{" not in text
    monkeypatch.delenv("SUPPORT_HOTLINE")
    assert DEFAULT_HOTLINE in reply(generator, "utter_default")


def test_a_value_given_by_an_action_wins(monkeypatch):
    monkeypatch.setenv("SUPPORT_HOTLINE", PROVINCE_HOTLINE)
    generator = SettingsResponses(domain=domain())
    text = reply(generator, "utter_dossier_locked", until="10:00 08/12/2026", hotline="0000")
    assert "0000" in text and "10:00 08/12/2026" in text


def test_built_before_the_model_is_loaded():
    """Rasa creates the generator without a domain and sets its responses when the model loads."""
    generator = SettingsResponses(endpoint_config=None, domain=None)
    generator.responses = domain().responses
    assert DEFAULT_HOTLINE in reply(generator, "utter_default")
