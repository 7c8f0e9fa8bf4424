"""The console's live hand-over API over HTTP (webapp/staff/routes.py): the inbox pushed as server-sent events,
taking a conversation, messages only from its holder, CSRF on every change, the citizen's personal data
redacted for the other staff, and the stream ended when the session is."""

from __future__ import annotations

import json
import threading
import time

import pytest
import requests

from procedures_db.db import session_scope
from services import live_handover
from services.service_requests import create_handoff
from tests.staff_helpers import StaffClient, console_server

pytestmark = pytest.mark.timeout(300)
CITIZEN = "zalo:5566"


@pytest.fixture(scope="module")
def console(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("live-console")
    overrides = dict(OFFICE_DAYS="1-7", OFFICE_HOURS="00:00-24:00", LIVE_POLL_SECONDS="0.1", TRACKER_DB="/nonexistent")
    with console_server(workdir, **overrides) as (base, database):
        with session_scope(database) as session:
            create_handoff(session, CITIZEN, "zalo", "1.001193", "Tôi muốn gặp cán bộ về khai sinh")
        yield base, database


def client(base: str, username: str) -> StaffClient:
    staff = StaffClient(base)
    assert staff.login(username).status_code == 200
    return staff


class Stream:
    """Reads the server-sent events of /staff/api/live/events in a thread."""

    def __init__(self, staff: StaffClient) -> None:
        self.reply = staff.http.get(staff.base + "/staff/api/live/events", stream=True, timeout=30)
        self.events: list[tuple[str, dict]] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        name = None
        try:
            for line in self.reply.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    name = line[len("event: ") :]
                elif line.startswith("data: ") and name:
                    self.events.append((name, json.loads(line[len("data: ") :])))
        except (requests.RequestException, AttributeError, ValueError):  # closed by the test
            pass

    def wait_for(self, condition, timeout: float = 10.0) -> tuple[str, dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in list(self.events):
                if condition(*event):
                    return event
            time.sleep(0.05)
        raise AssertionError(f"no such event in {self.events}")

    def close(self) -> None:
        self.reply.close()


def test_the_inbox_is_pushed_and_only_the_holder_answers(console):
    base, database = console
    an, binh = client(base, "canbo.an"), client(base, "canbo.binh")
    stream = Stream(binh)
    try:
        assert stream.reply.headers["content-type"].startswith("text/event-stream")
        _, inbox = stream.wait_for(lambda name, data: name == "inbox" and data["items"])
        [item] = inbox["items"]
        assert (item["channel"], item["state"], item["procedure_code"]) == ("zalo", "waiting", "1.001193")
        assert item["procedure_name"] and item["waited_seconds"] >= 0
        live = item["id"]

        assert an.post(f"/staff/api/live/{live}/take", headers={"X-CSRF-Token": "wrong"}).status_code == 403
        taken = an.post(f"/staff/api/live/{live}/take")
        assert taken.status_code == 200 and taken.json()["mine"]
        stream.wait_for(lambda name, data: name == "inbox" and data["items"][0]["staff"] == "Nguyễn Thị An")

        refused = binh.post(f"/staff/api/live/{live}/messages", {"text": "tôi cũng trả lời"})
        assert refused.status_code == 403 and refused.json()["code"] == "not_holder"
        assert an.post(f"/staff/api/live/{live}/messages", {"text": "   "}).json()["code"] == "empty_message"
        assert an.post(f"/staff/api/live/{live}/messages", {"text": "Chào chị"}).status_code == 200

        # The citizen answers (the channel's check stores it): pushed to the console at once.
        with session_scope(database) as session:
            assert live_handover.citizen_message(session, CITIZEN, "<b>sđt</b> của tôi 0912345678")
        stream.wait_for(lambda name, data: name == "inbox" and data["items"][0]["messages"] == 3)
        mine = an.get(f"/staff/api/live/{live}").json()["messages"]
        others = binh.get(f"/staff/api/live/{live}").json()["messages"]
        assert mine[-1]["text"] == "<b>sđt</b> của tôi 0912345678"  # as typed: the page shows it as text
        assert "0912345678" not in others[-1]["text"]
        back = an.post(f"/staff/api/live/{live}/return")
        assert back.status_code == 200 and back.json()["state"] == "returned"
    finally:
        stream.close()


def test_the_stream_ends_with_the_session(console):
    base, _ = console
    an = client(base, "canbo.an")
    stream = Stream(an)
    try:
        stream.wait_for(lambda name, data: name == "inbox")
        assert an.post("/staff/api/logout").status_code == 200
        stream.wait_for(lambda name, data: name == "signed_out")
    finally:
        stream.close()
