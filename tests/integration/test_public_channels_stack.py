"""The shared channel rules against the running stack (issue 19: findings 2(c), 8, 12).

What a REST client types is checked in the real tracker store: the conversation
it writes to, and the events Rasa stored for its commands.
"""

from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.usefixtures("running_stack")

DEMO_CODE = "000.00.12.H48-251015-0009"  # a demo dossier of procedures_db.dossiers.seed_demo_dossiers


def store_url(env: dict) -> str:
    url = env.get("TRACKER_STORE_URL", "").strip()
    if url:
        return "postgresql://" + url[len("postgres://") :] if url.startswith("postgres://") else url
    return f"sqlite:///{env['TRACKER_DB']}"


def stored(running_stack, pattern: str) -> dict:
    """{sender_id: [events]} of the conversations whose sender id matches the SQL LIKE ``pattern``."""
    engine = sa.create_engine(store_url(running_stack.env), future=True)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT sender_id, type_name, data FROM events WHERE sender_id LIKE :p ORDER BY id"),
                {"p": pattern},
            ).all()
    finally:
        engine.dispose()
    conversations: dict = {}
    for sender_id, type_name, data in rows:
        conversations.setdefault(sender_id, []).append({"type": type_name, **json.loads(data)})
    return conversations


def conversation(running_stack, user: str) -> list:
    """The events of the one conversation of REST client ``user`` (whatever its stored id)."""
    [(_, events)] = [
        (sender, events)
        for sender, events in stored(running_stack, f"%{user}").items()
        if sender in (user, f"rest:{user}")
    ]
    return events


def unique() -> str:
    return str(uuid.uuid4().int)[:15]  # digits, like a Zalo or Messenger user id


def test_a_rest_client_cannot_write_into_a_zalo_citizens_conversation(running_stack):
    user = unique()
    running_stack.say(user, "xin chào")
    running_stack.say(f"zalo:{user}", "xin chào")  # trying the namespaced form too
    assert set(stored(running_stack, f"%{user}")) == {f"rest:{user}", f"rest:zalo:{user}"}


def test_the_clients_input_channel_is_not_stored(running_stack):
    import requests

    user = unique()
    reply = requests.post(
        f"{running_stack.rasa}/webhooks/rest/webhook",
        timeout=30,
        json={"sender": user, "message": "xin chào", "input_channel": "zalo", "metadata": {"big": "x" * 10_000}},
    )
    assert reply.status_code == 200
    [user_event] = [e for e in conversation(running_stack, user) if e["type"] == "user"]
    assert user_event["input_channel"] == "rest"
    assert set(user_event.get("metadata") or {}) <= {"model_id", "assistant_id"}  # Rasa's own keys only


@pytest.mark.parametrize("sender", ["", "  ", "x" * 129], ids=["empty", "blank", "129 chars"])
def test_blank_and_oversized_senders_get_400_and_no_conversation(running_stack, sender):
    import requests

    reply = requests.post(
        f"{running_stack.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": "a"}, timeout=30
    )
    assert reply.status_code == 400
    assert not stored(running_stack, "default") and not stored(running_stack, "rest:" + "x" * 129)


@pytest.mark.parametrize("command", ["/restart", "/session_start"])
def test_typed_rasa_commands_neither_act_nor_get_the_fault_reply(running_stack, command):
    user = unique()
    running_stack.say(user, "tra cứu hồ sơ")
    before = [e["type"] for e in conversation(running_stack, user)]
    replies = running_stack.say(user, command)
    after = [e["type"] for e in conversation(running_stack, user)]
    assert replies and all("sự cố" not in reply.get("text", "") for reply in replies)
    assert "restart" not in after and after.count("session_started") == before.count("session_started")


def test_a_forged_dossier_payload_does_not_reach_the_lookup(running_stack):
    user = unique()
    escaped = DEMO_CODE.replace(".", "\\u002e")
    replies = running_stack.say(user, f'/check_dossier_status{{"dossier_code": "{escaped}"}}')
    events = conversation(running_stack, user)
    assert not [e for e in events if e["type"] == "slot" and e.get("name") == "dossier_code" and e.get("value")]
    assert all("4 số cuối" not in reply.get("text", "") for reply in replies)  # no digits asked for a code


def test_the_bots_buttons_still_work(running_stack):
    user = unique()
    replies = running_stack.say(user, '/ask_documents{"procedure": "1.001193"}')
    [user_event] = [e for e in conversation(running_stack, user) if e["type"] == "user"]
    assert user_event["parse_data"]["intent"]["name"] == "ask_documents"
    assert [e["value"] for e in user_event["parse_data"]["entities"]] == ["1.001193"]
    assert replies and all("sự cố" not in reply.get("text", "") for reply in replies)


def stored_bytes(running_stack, pattern: str) -> int:
    engine = sa.create_engine(store_url(running_stack.env), future=True)
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.text(
                    "SELECT COALESCE(SUM(LENGTH(sender_id) + LENGTH(data)), 0) FROM events " "WHERE sender_id LIKE :p"
                ),
                {"p": pattern},
            ).scalar_one()
    finally:
        engine.dispose()


def test_metadata_and_sender_ids_cannot_amplify_storage(running_stack):
    """Finding 4: 10 MB of metadata stored 30 MB, a 5 MB sender id 40 MB (here 50 kB each, under the body cap)."""
    import requests

    user = unique()
    url = f"{running_stack.rasa}/webhooks/rest/webhook"
    big_metadata = requests.post(
        url, json={"sender": user, "message": "xin chào", "metadata": {"k": "x" * 50_000}}, timeout=60
    )
    big_sender = requests.post(url, json={"sender": user + "x" * 50_000, "message": "xin chào"}, timeout=60)
    stored_size = stored_bytes(running_stack, f"%{user}%")
    print(
        f"50 kB of metadata -> HTTP {big_metadata.status_code}, 50 kB sender id -> HTTP {big_sender.status_code}: "
        f"{stored_size} bytes stored"
    )
    assert big_metadata.status_code in (200, 413) and big_sender.status_code in (400, 413)  # 413: body size cap
    assert stored_size < 20_000


@pytest.mark.parametrize("typed", ["/", "//", "", "   ", "/ /"], ids=["slash", "slashes", "empty", "blank", "spaced"])
def test_empty_commands_get_an_answer_not_the_fault_reply(running_stack, typed):
    replies = running_stack.say(unique(), typed)
    assert replies and all("sự cố" not in reply.get("text", "") for reply in replies), replies
