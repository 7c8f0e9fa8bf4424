"""Catalogue review over HTTP against the real API server in a subprocess: an alias an administrator adds in the
console is what the public search answers within seconds (the server's own cached index notices it, no restart, no
retraining); a hidden procedure is not found; a corrected fact is served with its note; CSRF and roles hold.
The seconds measured go to results/catalogue-review-metrics.json."""

from __future__ import annotations

import json
import time

import pytest
import requests

from tests.staff_helpers import StaffClient, console_server
from tests.support import ROOT

pytestmark = pytest.mark.timeout(300)

BIRTH = "1.001193"
NEW_ALIAS = "báo hỷ em bé"  # nobody's folk name: found nowhere until added


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    with console_server(tmp_path_factory.mktemp("catalogue-review")) as (base, _database):
        yield base


@pytest.fixture(scope="module")
def admin(console):
    client = StaffClient(console)
    assert client.login("quantri").status_code == 200
    return client


def best(base: str, query: str) -> str | None:
    results = requests.get(f"{base}/api/procedures", params={"q": query}, timeout=10).json()["results"]
    return results[0]["code"] if results else None


def until(check, seconds: float = 15.0) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "not seen in time"
        time.sleep(0.1)
    return time.monotonic() - started


def test_an_alias_added_in_the_console_is_searched_within_seconds(console, admin):
    assert best(console, NEW_ALIAS) != BIRTH
    reply = admin.post(f"/staff/api/catalogue/{BIRTH}/aliases", {"added": [NEW_ALIAS], "removed": []})
    assert reply.status_code == 200, reply.text
    assert NEW_ALIAS in reply.json()["aliases"]["effective"]
    seconds = until(lambda: best(console, NEW_ALIAS) == BIRTH)
    assert seconds < 10  # INDEX_CHECK_SECONDS (5) plus the rebuild
    path = ROOT / "results" / "catalogue-review-metrics.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "alias_to_search_seconds": round(seconds, 2),
                "how": "POST /staff/api/catalogue/<code>/aliases, then GET /api/procedures?q=<alias> every 0.1 s "
                "until the code is first (API server in a subprocess, SQLite, INDEX_CHECK_SECONDS=5)",
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    entries = admin.get("/staff/api/audit?action=catalogue.aliases").json()["entries"]
    assert entries and entries[0]["username"] == "quantri" and entries[0]["target"] == f"procedure:{BIRTH}"


def test_a_corrected_fact_is_served_with_its_note_and_a_hidden_procedure_is_not_found(console, admin):
    reply = admin.post(
        f"/staff/api/catalogue/{BIRTH}/facts",
        {"field": "processing_time", "value": "Trong ngày làm việc", "note": "Quyết định 77/QĐ-UBND"},
    )
    assert reply.status_code == 200, reply.text
    until(
        lambda: requests.get(f"{console}/api/procedures/{BIRTH}", timeout=10).json().get("processing_time")
        == "Trong ngày làm việc (nguồn: Quyết định 77/QĐ-UBND)"
    )
    assert admin.post(f"/staff/api/catalogue/{BIRTH}/hidden", {"hidden": True}).json()["code"] == "note_required"
    assert admin.post(f"/staff/api/catalogue/{BIRTH}/hidden", {"hidden": True, "note": "bãi bỏ"}).status_code == 200
    until(lambda: requests.get(f"{console}/api/procedures/{BIRTH}", timeout=10).status_code == 404)
    until(lambda: best(console, "đăng ký khai sinh") != BIRTH)
    listed = admin.get("/staff/api/catalogue?only=hidden").json()
    assert [item["code"] for item in listed["items"]] == [BIRTH]
    assert admin.post(f"/staff/api/catalogue/{BIRTH}/hidden", {"hidden": False}).status_code == 200
    until(lambda: best(console, "đăng ký khai sinh") == BIRTH)


def test_changes_need_csrf_and_bad_input_is_refused_clearly(console, admin):
    path = f"/staff/api/catalogue/{BIRTH}/aliases"
    assert admin.post(path, {"added": ["x y z"]}, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    for body in ({"added": "một chuỗi"}, {"added": [1]}, {"added": ["ab"]}):
        reply = admin.post(path, body)
        assert reply.status_code == 400 and reply.json()["code"] == "bad_aliases"
    assert admin.get("/staff/api/catalogue/9.999999").status_code == 404
    assert admin.get("/staff/api/catalogue?only=nothing").status_code == 400
    assert admin.get("/staff/api/catalogue?offset=-1").status_code == 400
