"""`make run` as an operator runs it: what it exposes, how it survives a dead service, how it stops.

One stack is started the way `make run` starts it (make -> tools/stack.py ->
supervisord -> Rasa, action server, API), in its own process group, on free
ports, with a throwaway database. The tests then check (issue 19, findings 2a,
5 and 9):

- Rasa's HTTP API and the action server answer nobody without their tokens
  (RASA_AUTH_TOKEN as ``?token=`` or bearer, ACTION_SERVER_TOKEN), and Rasa
  still reaches the action server with its token;
- every service listens on 127.0.0.1 only; Rasa's CORS admits the web page only;
- a killed service is started again while the others keep running (same PIDs);
- a SIGTERM to the whole process group (what systemd or a container runtime
  sends; make then sends its child one more) leaves no process behind, nor does
  a SIGKILL to the runner itself.

Figures are printed (pytest -s). The SIGTERM test stops the stack; the last one starts its own.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

from procedures_db.db import session_scope
from integrations.seed import seed_demo_dossiers
from integrations.seed import seed_if_empty
from tests.support import ROOT
from tools.stack import START_RETRIES
from tests.support import free_port

CODE = "000.00.12.H48-251103-0021"  # demo dossier, phone ending 4321
SERVICES = {"rasa": "bot.rasa_server", "actions": "actions.server", "api": "procedures_db serve"}


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _parent_and_state(pid: int) -> Optional[tuple]:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[1]), fields[0]


def descendants(root: int) -> List[int]:
    """Every process below ``root``, from /proc."""
    children: Dict[int, List[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (info := _parent_and_state(int(entry.name))):
            children.setdefault(info[0], []).append(int(entry.name))
    found, stack = [], [root]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def alive(pid: int) -> bool:
    info = _parent_and_state(pid)
    return info is not None and info[1] != "Z"


def test_make_env_generates_both_tokens(tmp_path, monkeypatch):
    from tools.stack import GENERATED_SECRETS, ensure_env_file, load_env_file

    for key in GENERATED_SECRETS:
        monkeypatch.delenv(key, raising=False)
    env_file = tmp_path / ".env"
    env_file.write_text("PHONE_HASH_KEY=kept-as-it-was-0123456789\n", encoding="utf-8")  # an older .env
    ensure_env_file(env_file)
    values = load_env_file(env_file)
    assert values["PHONE_HASH_KEY"] == "kept-as-it-was-0123456789"
    assert len(values["RASA_AUTH_TOKEN"]) >= 40 and len(values["ACTION_SERVER_TOKEN"]) >= 40
    assert values["RASA_AUTH_TOKEN"] != values["ACTION_SERVER_TOKEN"]
    assert env_file.stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "command,token",
    [(["actions.server"], "ACTION_SERVER_TOKEN"), (["bot.rasa_server", "--enable-api"], "RASA_AUTH_TOKEN")],
)
def test_neither_server_starts_without_its_token(command, token):
    env = {**os.environ, "PYTHONPATH": str(ROOT), token: ""}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "python"), "-m", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and f"{token} is not set" in done.stderr


class MakeRun:
    """``make run``'s last step (tools/stack.py under make), in its own process group."""

    def __init__(self, workdir: Path, **overrides: str):
        self.workdir = workdir
        database = f"sqlite:///{workdir / 'assistant.db'}"
        with session_scope(database) as session:
            seed_if_empty(session)
            seed_demo_dossiers(session)
        self.env = {
            **os.environ,
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "API_PORT": str(free_port()),
            "DATABASE_URL": database,
            "TRACKER_DB": str(workdir / "tracker.db"),
            # All the secrets given: nothing is written to the repository's .env.
            "RASA_AUTH_TOKEN": secrets.token_urlsafe(32),
            "ACTION_SERVER_TOKEN": secrets.token_urlsafe(32),
            "DOSSIER_API_TOKEN": os.environ["DOSSIER_API_TOKEN"],
            "PHONE_HASH_KEY": os.environ["PHONE_HASH_KEY"],
            "PYTHONPATH": str(ROOT),
        }
        for key in (
            "RASA_HOST",
            "ACTION_HOST",
            "API_HOST",
            "RASA_CORS_ORIGINS",
            "ACTION_SERVER_URL",
            "TRACKER_STORE_URL",
            "REDIS_URL",
            "SANIC_WORKERS",
        ):
            self.env.pop(key, None)
        self.env.update(overrides)
        self.rasa = f"http://127.0.0.1:{self.env['RASA_PORT']}"
        self.actions = f"http://127.0.0.1:{self.env['ACTION_PORT']}"
        self.api = f"http://127.0.0.1:{self.env['API_PORT']}"
        self.output = workdir / "make-run.log"
        makefile = workdir / "Makefile"
        makefile.write_text(f"run:\n\t@{ROOT / '.venv' / 'bin' / 'python'} tools/stack.py\n", encoding="utf-8")
        with open(self.output, "w", encoding="utf-8") as out:
            self.make = subprocess.Popen(
                ["make", "-s", "-f", str(makefile), "run"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.output.read_text(encoding="utf-8", errors="replace")

    def wait_until_up(self, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while "the assistant is up" not in self.log():
            if self.make.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"make run did not come up:\n{self.log()[-4000:]}")
            time.sleep(0.5)

    def service_pids(self) -> Dict[str, int]:
        """The PID of each service (supervisord's children), by its command line."""
        pids = {}
        for pid in descendants(self.make.pid):
            if not alive(pid):
                continue
            command = _cmdline(pid)
            for name, marker in SERVICES.items():
                if marker in command and "supervisord" not in command and name not in pids:
                    parent = _parent_and_state(pid)
                    if parent and "supervisor.supervisord" in _cmdline(parent[0]):
                        pids[name] = pid
        return pids

    def healthy(self, name: str) -> bool:
        url = {"rasa": f"{self.rasa}/status", "actions": f"{self.actions}/health", "api": f"{self.api}/health"}[name]
        try:
            return (
                requests.get(
                    url, params={"token": self.env["RASA_AUTH_TOKEN"]} if name == "rasa" else None, timeout=2
                ).status_code
                == 200
            )
        except requests.RequestException:
            return False

    def say(self, sender: str, text: str) -> str:
        reply = requests.post(
            f"{self.rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=30
        )
        assert reply.status_code == 200, reply.text
        return "\n".join(message.get("text", "") for message in reply.json())

    def kill_all(self) -> None:
        for pid in [self.make.pid, *descendants(self.make.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.make.wait()


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    if not (ROOT / "models" / "assistant.tar.gz").is_file():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    started = time.monotonic()
    stack = MakeRun(tmp_path_factory.mktemp("make-run"))
    try:
        stack.wait_until_up()
        print(f"\n[figures] make run: every service healthy in {time.monotonic() - started:.1f} s")
        yield stack
    finally:
        if stack.make.poll() is None:  # a failed test left it running
            stack.kill_all()


def test_rasa_http_api_answers_only_with_the_token(make_run):
    token = make_run.env["RASA_AUTH_TOKEN"]
    tracker = f"{make_run.rasa}/conversations/stack-{uuid.uuid4().hex[:8]}/tracker"
    parse = f"{make_run.rasa}/model/parse"
    without = [
        requests.get(tracker, timeout=10),
        requests.post(parse, json={"text": "xin chào"}, timeout=10),
        requests.get(tracker, params={"token": token[:-1]}, timeout=10),
        requests.get(tracker, headers={"Authorization": f"Bearer {token}x"}, timeout=10),
        requests.get(tracker, headers={"Authorization": token}, timeout=10),
    ]
    assert [reply.status_code for reply in without] == [401] * len(without)
    with_token = [
        requests.get(tracker, params={"token": token}, timeout=10),
        requests.get(tracker, headers={"Authorization": f"Bearer {token}"}, timeout=10),
        requests.post(parse, params={"token": token}, json={"text": "xin chào"}, timeout=10),
        requests.post(parse, headers={"Authorization": f"Bearer {token}"}, json={"text": "xin chào"}, timeout=10),
    ]
    assert [reply.status_code for reply in with_token] == [200] * len(with_token)
    assert with_token[2].json()["intent"]["name"] == "greet"
    assert requests.get(f"{make_run.rasa}/", timeout=10).status_code == 200  # the health probe stays open


def _dossier_call(digits: str) -> dict:
    slots = {"dossier_code": CODE, "phone_last4": digits, "requested_slot": "phone_last4"}
    return {
        "next_action": "action_dossier_status",
        "sender_id": "attacker",
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": "attacker",
            "slots": slots,
            "events": [],
            "paused": False,
            "latest_message": {"text": digits, "intent": {}, "entities": []},
            "latest_event_time": None,
            "followup_action": None,
            "latest_input_channel": "rest",
            "active_loop": {},
            "latest_action": {},
            "latest_action_name": None,
        },
    }


def test_the_action_server_answers_only_with_its_token(make_run):
    """Finding 2a: the action server ran action_dossier_status for anyone who reached its port."""
    token = make_run.env["ACTION_SERVER_TOKEN"]
    webhook = f"{make_run.actions}/webhook"
    refused = [
        requests.post(webhook, json=_dossier_call("4321"), timeout=10),
        requests.post(webhook, params={"token": "guess"}, json=_dossier_call("4321"), timeout=10),
        requests.post(
            webhook, headers={"Authorization": f"Bearer {token[:-1]}"}, json=_dossier_call("4321"), timeout=10
        ),
        requests.get(f"{make_run.actions}/actions", timeout=10),
    ]
    assert [reply.status_code for reply in refused] == [401] * len(refused)
    assert all("đang xử lý" not in reply.text for reply in refused)
    allowed = requests.post(webhook, params={"token": token}, json=_dossier_call("4321"), timeout=10)
    assert allowed.status_code == 200, allowed.text  # the token is what stands between, not a broken call
    assert requests.get(f"{make_run.actions}/health", timeout=10).status_code == 200


def test_the_action_server_answers_400_to_bodies_that_are_not_action_calls(make_run):
    """rasa_sdk answered 500 with a traceback to a JSON body that is not an object."""
    params = {"token": make_run.env["ACTION_SERVER_TOKEN"]}
    for body in (b"[1]", b'[{"a": 1}]', b"5", b'"x"', b"null", b"{", b'{"next_action": 5}', b"[" * 50000):
        reply = requests.post(
            f"{make_run.actions}/webhook",
            params=params,
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        assert reply.status_code == 400, (body[:20], reply.status_code, reply.text[:200])
    without_token = requests.post(f"{make_run.actions}/webhook", data=b"5", timeout=10)
    assert without_token.status_code == 401  # the token is checked first


def test_rasa_reaches_the_action_server_with_its_token(make_run):
    """Through Rasa's kept-alive action-server session (bot/patches/endpoint_sessions.py): the token is sent on every call."""
    sender = f"stack-{uuid.uuid4().hex[:8]}"
    assert "4 số cuối" in make_run.say(sender, f"tra cứu hồ sơ {CODE}")
    answer = make_run.say(sender, "4321")
    assert CODE in answer and "đang xử lý" in answer


def _listening(port: int) -> List[str]:
    """Local addresses (hex, as /proc/net/tcp{,6} writes them) listening on ``port``."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, _, hex_port = fields[1].partition(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.append(address)
    return found


def test_every_service_listens_on_loopback_only(make_run):
    loopback = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1
    for name, variable in (("rasa", "RASA_PORT"), ("actions", "ACTION_PORT"), ("api", "API_PORT")):
        addresses = _listening(int(make_run.env[variable]))
        assert addresses, f"nothing listens on the {name} port"
        assert set(addresses) <= loopback, f"{name} listens on {addresses}"


def test_rasa_cors_admits_the_web_page_only(make_run):
    page = make_run.api  # the web page is served by the API
    for origin in (page, page.replace("127.0.0.1", "localhost")):
        reply = requests.get(
            f"{make_run.rasa}/socket.io/?EIO=4&transport=polling", headers={"Origin": origin}, timeout=10
        )
        assert reply.headers.get("Access-Control-Allow-Origin") == origin
    for path in ("/", "/socket.io/?EIO=4&transport=polling", "/model/parse"):
        reply = requests.get(f"{make_run.rasa}{path}", headers={"Origin": "https://evil.example"}, timeout=10)
        assert reply.headers.get("Access-Control-Allow-Origin") is None, path


def _wait(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "timed out"
        time.sleep(0.2)
    return time.monotonic() - started


@pytest.mark.parametrize("victim", ["actions", "rasa"])
def test_a_killed_service_is_started_again_and_the_others_keep_running(make_run, victim):
    """Finding 9: one dead service stopped the whole stack, and nothing was restarted."""
    before = make_run.service_pids()
    assert set(before) == set(SERVICES), before
    os.killpg(before[victim], signal.SIGKILL)  # a crash: the service and anything it started
    took = _wait(
        lambda: make_run.service_pids().get(victim) not in (None, before[victim]) and make_run.healthy(victim),
        timeout=180,
    )
    after = make_run.service_pids()
    assert after[victim] != before[victim]
    assert {k: v for k, v in after.items() if k != victim} == {k: v for k, v in before.items() if k != victim}
    assert make_run.make.poll() is None
    assert re.search(rf"\[stack\s*\].*exited: {victim} \(terminated by SIGKILL", make_run.log())
    assert all(make_run.healthy(name) for name in SERVICES)
    if victim == "rasa":
        sender = f"stack-{uuid.uuid4().hex[:8]}"
        assert "4 số cuối" in make_run.say(sender, f"tra cứu hồ sơ {CODE}")
        assert "đang xử lý" in make_run.say(sender, "4321")  # the restarted Rasa calls actions with the token
    print(f"[figures] {victim} killed: healthy again after {took:.1f} s, the other services kept their PIDs")


def test_sigterm_to_the_process_group_stops_every_process(make_run):
    """Finding 9: a SIGTERM to make run's process group left Rasa and the API running as orphans."""
    processes = descendants(make_run.make.pid)
    assert len(make_run.service_pids()) == 3
    started = time.monotonic()
    os.killpg(make_run.make.pid, signal.SIGTERM)  # make forwards one more SIGTERM to tools/stack.py
    try:
        make_run.make.wait(timeout=90)
    except subprocess.TimeoutExpired:
        left = [f"{pid}: {_cmdline(pid)[:120]}" for pid in processes if alive(pid)]
        pytest.fail(f"make run still running 90 s after SIGTERM; alive: {left}\n{make_run.log()[-6000:]}")
    left = [pid for pid in processes if alive(pid)]
    deadline = time.monotonic() + 5
    while left and time.monotonic() < deadline:  # nothing should be left, but give stragglers a moment
        time.sleep(0.2)
        left = [pid for pid in processes if alive(pid)]
    assert not left, [f"{pid}: {_cmdline(pid)[:120]}" for pid in left]
    for port in ("RASA_PORT", "ACTION_PORT", "API_PORT"):
        assert not _listening(int(make_run.env[port])), port
    print(
        f"[figures] SIGTERM to make run's group: {len(processes)} processes stopped in "
        f"{time.monotonic() - started:.1f} s, none left"
    )


def test_a_killed_runner_leaves_no_process(tmp_path):
    """SIGKILL to tools/stack.py itself (nothing can be cleaned up there): supervisord stops the services."""
    stack = MakeRun(tmp_path)
    try:
        stack.wait_until_up()
        processes = descendants(stack.make.pid)
        runner = next(pid for pid in processes if "tools/stack.py" in _cmdline(pid))
        config = next(
            re.search(r"-c (\S+)", _cmdline(pid)).group(1)
            for pid in processes
            if "supervisor.supervisord" in _cmdline(pid)
        )
        os.kill(runner, signal.SIGKILL)
        took = _wait(lambda: not any(alive(pid) for pid in processes), timeout=60)
        print(f"[figures] runner killed with SIGKILL: its {len(processes) - 1} processes gone after {took:.1f} s")
    finally:
        stack.kill_all()
    shutil.rmtree(Path(config).parent)  # the runner had no chance to remove its directory


def test_a_token_starting_with_a_dash_reaches_rasa_as_one_argument():
    """token_urlsafe() starts with "-" once in 64: `--auth-token -abc` made rasa run exit (seen in a test run)."""
    import argparse

    import rasa.cli.run

    from bot.rasa_server import rasa_arguments

    parser = argparse.ArgumentParser()  # Rasa's own `rasa run` parser
    rasa.cli.run.add_subparser(parser.add_subparsers(), parents=[])
    arguments = rasa_arguments(["--enable-api", "--port", "5005"], "-dash-first")
    assert parser.parse_args(arguments).auth_token == "-dash-first"


def test_a_service_that_keeps_failing_to_start_is_retried_then_everything_stops(tmp_path):
    """Back-off, then a clear stop: the API cannot listen on its address, every try exits at once."""
    stack = MakeRun(tmp_path, API_HOST="256.0.0.1")
    try:
        code = stack.make.wait(timeout=300)
        log = stack.log()
        assert code != 0
        assert log.count("spawned: 'api'") == START_RETRIES + 1, log[-3000:]
        assert "gave up: api entered FATAL state" in log
        assert "Start-up failed: api failed to start" in log or "api keeps failing to start" in log
        ports = [f"--port {stack.env[key]}" for key in ("RASA_PORT", "ACTION_PORT", "API_PORT")]
        left = [
            pid
            for pid in (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
            if alive(pid) and any(port in _cmdline(pid) for port in ports)
        ]
        assert not left, [_cmdline(pid)[:120] for pid in left]
    finally:
        if stack.make.poll() is None:
            stack.kill_all()
