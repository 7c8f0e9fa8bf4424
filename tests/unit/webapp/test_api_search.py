"""GET /api/procedures?q=: an official code finds its procedure, a partial word is marked as
not evidence, on the real app (``python -m procedures_db serve``) over the seeded catalogue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests

from integrations.seed import seed_if_empty
from procedures_db.db import session_scope
from tests.support import api_server

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("api-search")
    database = f"sqlite:///{workdir / 'catalogue.db'}"
    with session_scope(database) as session:
        seed_if_empty(session)
    env = {**os.environ, "DATABASE_URL": database}
    with api_server(env, workdir / "api.log") as base:
        yield base


@pytest.mark.parametrize("query", ["1.004222", "1004222", "thủ tục 1.004222", "ma 1004222"])
def test_official_code_is_the_only_result(api, query):
    reply = requests.get(f"{api}/api/procedures", params={"q": query}, timeout=10)
    assert reply.status_code == 200
    body = reply.json()
    assert [r["code"] for r in body["results"]] == ["1.004222"]
    assert body["results"][0]["name"] == "Đăng ký thường trú" and body["ambiguous"] is False


def test_name_search_still_ranks(api):
    body = requests.get(f"{api}/api/procedures", params={"q": "lam giay khai sinh"}, timeout=10).json()
    assert body["results"][0]["code"] == "1.001193"


def test_unknown_code_finds_nothing_by_code(api):
    body = requests.get(f"{api}/api/procedures", params={"q": "9.999999"}, timeout=10).json()
    assert body["results"] == []
