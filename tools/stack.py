"""Starts the whole assistant in the foreground: Rasa server, action server, API + web page.

The three services run under supervisord (the ``supervisor`` package), from a
configuration generated here into a private temporary directory:

- a service that dies is started again at once, the others keep running, and
  supervisord logs it (``exited: …``, ``spawned: …``); one that dies again
  within ``START_SECONDS`` of starting is retried after 1, 2, 3… s, and after
  ``START_RETRIES`` such failures it is given up and the whole stack stops
  with an error (a broken configuration should not loop for ever);
- stopping (Ctrl-C, SIGTERM to this process or to its whole process group,
  as systemd or a container runtime does, SIGHUP) stops every service and
  every process they started: each is signalled as a group, killed after
  ``STOP_SECONDS``. Signals only set a plain attribute here (``StopRequest``),
  so a second signal (``make`` sends its child one more SIGTERM) cannot
  interrupt the clean-up; if this
  runner is killed outright, the kernel sends supervisord SIGTERM
  (``PR_SET_PDEATHSIG``) and it still stops everything.

Why supervisord and not the hand-written runner this replaced: the runner
restarted nothing, and a SIGTERM to ``make run``'s process group left Rasa and
the API running (issue 19). honcho prefixes output well but, like the old
runner, stops everything when one process exits.

What this file adds around supervisord: the environment and secrets (.env),
the commands, health checks before the URLs are printed, and each service's
output prefixed with its name (supervisord writes it to one file per service;
supervisord's own lines are prefixed ``stack``).

Ports come from RASA_PORT, ACTION_PORT and API_PORT (defaults 5005, 5055,
8000); every service listens on 127.0.0.1 unless RASA_HOST, ACTION_HOST or
API_HOST say otherwise. Rasa's HTTP API needs RASA_AUTH_TOKEN, the action
server ACTION_SERVER_TOKEN (both generated into .env; docs/production.md).
Used by ``make run`` and by the end-to-end tests.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import xmlrpc.client
from pathlib import Path

from supervisor.xmlrpc import SupervisorTransport

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
GENERATED_SECRETS = ("DOSSIER_API_TOKEN", "PHONE_HASH_KEY", "RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN")

# Alive this long counts as started; a quicker death is retried with back-off. Longer than a
# start takes on a busy machine (imports; Rasa's model), so that a service failing when it binds
# its port is backed off, not restarted in a loop.
START_SECONDS = {"rasa": 90, "actions": 20, "api": 20}
START_RETRIES = 5  # quick deaths in a row before a service is given up (back-off 1 + 2 + … + 5 s)
STOP_SECONDS = 15  # SIGTERM, then SIGKILL to the service's process group after this long


def load_env_file(path: Path = ENV_FILE) -> dict[str, str]:
    values = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            key, sep, value = line.strip().partition("=")
            if sep and key and not key.startswith("#"):
                values[key.strip()] = value.strip()
    return values


def ensure_env_file(path: Path = ENV_FILE) -> None:
    """Generate the secrets that must exist (git-ignored .env); print the API token once."""
    values = load_env_file(path)
    missing = [key for key in GENERATED_SECRETS if not values.get(key) and not os.environ.get(key)]
    if not missing:
        return
    with open(path, "a", encoding="utf-8") as stream:
        for key in missing:
            stream.write(f"{key}={secrets.token_urlsafe(32)}\n")
    os.chmod(path, 0o600)
    if "DOSSIER_API_TOKEN" in missing:
        token = load_env_file(path)["DOSSIER_API_TOKEN"]
        print(f"Generated DOSSIER_API_TOKEN (shown once, stored in .env): {token}")
    if "RASA_AUTH_TOKEN" in missing:
        print(f"Generated RASA_AUTH_TOKEN (Rasa's HTTP API), stored in {path.name}")


def service_environment() -> dict[str, str]:
    env = {**load_env_file(), **os.environ}
    env.setdefault("RASA_PORT", "5005")
    env.setdefault("ACTION_PORT", "5055")
    env.setdefault("API_PORT", "8000")
    for host in ("RASA_HOST", "ACTION_HOST", "API_HOST"):
        env.setdefault(host, "127.0.0.1")
    for token in ("RASA_AUTH_TOKEN", "ACTION_SERVER_TOKEN"):
        if not env.get(token):  # a stack without .env (tests, benchmarks) still gets its tokens
            env[token] = secrets.token_urlsafe(32)
    env.setdefault("TRACKER_DB", str(ROOT / "var" / "tracker.db"))
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{env['ACTION_PORT']}/webhook")
    Path(env["TRACKER_DB"]).parent.mkdir(parents=True, exist_ok=True)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def cors_origins(env: dict[str, str]) -> list[str]:
    """Origins allowed to call Rasa from a browser: RASA_CORS_ORIGINS, else the API's web page."""
    configured = env.get("RASA_CORS_ORIGINS")
    if configured is not None:
        return configured.replace(",", " ").split()
    return [f"http://127.0.0.1:{env['API_PORT']}", f"http://localhost:{env['API_PORT']}"]


def commands(env: dict[str, str], model: str | None = None) -> dict[str, list[str]]:
    python = sys.executable
    # Installs the personal-data log filter in both servers (bot/logging_filter.py).
    # rasa_sdk 3.6 spells the option --logging-config_file.
    logging_config = env.get("LOGGING_CONFIG_FILE", "bot/logging.yml")
    # `rasa run` reading RASA_AUTH_TOKEN from the environment (bot/rasa_server.py).
    rasa = [
        python,
        "-m",
        "bot.rasa_server",
        "--enable-api",
        "--interface",
        env.get("RASA_HOST", "127.0.0.1"),
        "--port",
        env["RASA_PORT"],
        "--endpoints",
        env.get("ENDPOINTS_FILE", "bot/endpoints.yml"),
        "--credentials",
        env.get("CREDENTIALS_FILE", "bot/credentials.yml"),
        "--model",
        model or "models",
        "--logging-config-file",
        logging_config,
    ]
    origins = cors_origins(env)
    if origins:
        rasa += ["--cors", *origins]
    return {
        "actions": [
            python,
            "-m",
            "actions.server",
            "--host",
            env.get("ACTION_HOST", "127.0.0.1"),
            "--port",
            env["ACTION_PORT"],
            "--logging-config_file",
            logging_config,
        ],
        "rasa": rasa,
        "api": [
            python,
            "-m",
            "procedures_db",
            "serve",
            "--host",
            env.get("API_HOST", "127.0.0.1"),
            "--port",
            env["API_PORT"],
        ],
    }


def _reachable(host: str) -> str:
    """The address to probe a service listening on ``host``."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def health_urls(env: dict[str, str]) -> dict[str, str]:
    """Each service's health URL; Rasa's ``/status`` (model loaded) needs the token."""
    token = urllib.parse.quote(env["RASA_AUTH_TOKEN"], safe="")
    return {
        "actions": f"http://{_reachable(env.get('ACTION_HOST', ''))}:{env['ACTION_PORT']}/health",
        "rasa": f"http://{_reachable(env.get('RASA_HOST', ''))}:{env['RASA_PORT']}/status?token={token}",
        "api": f"http://{_reachable(env.get('API_HOST', ''))}:{env['API_PORT']}/health",
    }


def _ini_value(text: str) -> str:
    return text.replace("%", "%%")  # supervisord expands %(name)s in its values


def supervisor_config(env: dict[str, str], model: str | None, rundir: Path, password: str) -> str:
    lines = [
        "[supervisord]",
        "nodaemon=true",
        f"logfile={rundir / 'supervisord.log'}",
        "logfile_maxbytes=0",
        f"pidfile={rundir / 'supervisord.pid'}",
        f"childlogdir={rundir}",
    ]
    if os.geteuid() == 0:
        lines.append("user=root")  # says so, instead of supervisord's warning at every start
    lines += [
        "[unix_http_server]",
        f"file={rundir / 'supervisor.sock'}",
        "chmod=0700",
        "username=stack",
        f"password={password}",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
    ]
    # Lower priorities start first and stop last: Rasa stops before the action server it calls.
    priorities = {"actions": 100, "api": 100, "rasa": 200}
    for name, command in commands(env, model).items():
        lines += [
            f"[program:{name}]",
            f"command={_ini_value(shlex.join(command))}",
            f"directory={ROOT}",
            f"priority={priorities[name]}",
            "autostart=true",
            "autorestart=true",
            f"startsecs={START_SECONDS[name]}",
            f"startretries={START_RETRIES}",
            "stopsignal=TERM",
            f"stopwaitsecs={STOP_SECONDS}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={rundir / (name + '.log')}",
            "stdout_logfile_maxbytes=0",
        ]
    return "\n".join(lines) + "\n"


def _prefix(name: str, line: bytes) -> str:
    return f"[{name:7}] {line.decode('utf-8', 'replace').rstrip()}\n"


def _follow(name: str, path: Path, out, done: threading.Event) -> None:
    """Copies the lines appended to ``path`` (a service's log, across restarts) until ``done`` and EOF."""
    while not path.exists():
        if done.wait(0.1):
            return
    with open(path, "rb") as stream:
        partial = b""
        while True:
            chunk = stream.readline()
            if chunk:
                partial += chunk
                if partial.endswith(b"\n"):
                    out.write(_prefix(name, partial))
                    out.flush()
                    partial = b""
            elif done.is_set():
                if partial:
                    out.write(_prefix(name, partial))
                    out.flush()
                return
            else:
                time.sleep(0.1)


def _stop_when_parent_dies():
    """For the supervisord child: SIGTERM (a clean stop) if this runner is killed outright.

    libc is loaded here, in the parent; the child only calls prctl(PR_SET_PDEATHSIG).
    """
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: a runner killed with SIGKILL leaves supervisord to be stopped by hand
    return lambda: prctl(1, signal.SIGTERM)


class StopRequest:
    """The signal handler: sets a plain attribute, which takes no lock.

    ``threading.Event.set()`` would take the event's lock, and a handler runs in the main thread
    between two bytecodes, possibly while that thread holds the same lock inside ``Event.wait()``:
    the handler then waits for itself for ever (make run hung after SIGTERM, its services stopped).
    """

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum, frame) -> None:
        self.requested = True

    def wait(self, seconds: float) -> bool:
        """Sleeps up to ``seconds``, less if a stop is requested; True if one was."""
        deadline = time.monotonic() + seconds
        while not self.requested and time.monotonic() < deadline:
            time.sleep(0.1)  # a signal interrupts the sleep; its handler has run when it returns
        return self.requested


class Stack:
    def __init__(self, env: dict[str, str] | None = None, model: str | None = None, log=sys.stdout):
        self.env = env or service_environment()
        self.model = model
        self.log = log
        self.supervisor: subprocess.Popen | None = None
        self.rundir: Path | None = None
        self._password = secrets.token_urlsafe(16)
        self._done = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.rundir = Path(tempfile.mkdtemp(prefix="assistant-stack-"))  # 0700: the socket and the logs
        config = self.rundir / "supervisord.conf"
        config.write_text(supervisor_config(self.env, self.model, self.rundir, self._password), encoding="utf-8")
        # supervisord writes its own log to a file too, never to a pipe of this process: if this
        # process is killed, supervisord still stops the services instead of dying on a broken pipe.
        with open(self.rundir / "supervisord.log", "ab") as errors:
            self.supervisor = subprocess.Popen(
                [sys.executable, "-m", "supervisor.supervisord", "-c", str(config)],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                preexec_fn=_stop_when_parent_dies(),
            )
        logs = {"stack": "supervisord", **{name: name for name in commands(self.env, self.model)}}
        self._threads = [
            threading.Thread(
                target=_follow, args=(name, self.rundir / f"{file}.log", self.log, self._done), daemon=True
            )
            for name, file in logs.items()
        ]
        for thread in self._threads:
            thread.start()

    def _rpc(self):
        transport = SupervisorTransport("stack", self._password, f"unix://{self.rundir / 'supervisor.sock'}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def states(self) -> dict[str, dict]:
        """supervisord's view of each service: ``statename`` (RUNNING, BACKOFF, FATAL…), ``pid``…"""
        try:
            return {info["name"]: info for info in self._rpc().getAllProcessInfo()}
        except (OSError, xmlrpc.client.Error):
            return {}  # supervisord not listening yet, or gone

    def pids(self) -> dict[str, int]:
        return {name: info["pid"] for name, info in self.states().items() if info["pid"]}

    def given_up(self) -> list[str]:
        return [name for name, info in self.states().items() if info["statename"] == "FATAL"]

    def supervisor_exited(self) -> bool:
        return self.supervisor is None or self.supervisor.poll() is not None

    def healthy(self) -> set[str]:
        up = set()
        for name, url in health_urls(self.env).items():
            try:
                with urllib.request.urlopen(url, timeout=2) as reply:
                    if reply.status == 200:
                        up.add(name)
            except OSError:
                pass
        return up

    def wait_healthy(self, timeout: float = 180, stop: StopRequest | None = None) -> bool:
        """True once every service answers its health check; False if a stop was requested first."""
        pending = set(health_urls(self.env))
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            if stop is not None and stop.requested:
                return False
            if self.supervisor_exited():
                raise RuntimeError(f"supervisord exited with code {self.supervisor.returncode}")
            if failed := self.given_up():
                raise RuntimeError(f"{', '.join(failed)} failed to start {START_RETRIES} times")
            pending -= self.healthy()
            if pending:
                time.sleep(0.5)
        if pending:
            raise RuntimeError(f"not healthy after {timeout:.0f} s: {', '.join(sorted(pending))}")
        return True

    def stop(self, grace: float = 2 * STOP_SECONDS + 10) -> None:
        """supervisord stops every service (their process groups), then exits; waits for all of it."""
        if self.supervisor is not None:
            if self.supervisor.poll() is None:
                self.supervisor.send_signal(signal.SIGTERM)
            try:
                self.supervisor.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                services = self.pids()
                self.supervisor.kill()
                self.supervisor.wait()
                for pid in services.values():  # what supervisord did not stop in time
                    try:
                        os.killpg(pid, signal.SIGKILL)
                    except OSError:
                        pass
        self._done.set()
        for thread in self._threads:
            thread.join(timeout=5)
        if self.rundir is not None:
            shutil.rmtree(self.rundir, ignore_errors=True)


def main() -> int:
    # Every socket of this runner gets a timeout, supervisord's RPC socket included (it has
    # none of its own): a supervisord that stops answering cannot hang the stop for ever.
    socket.setdefaulttimeout(10)
    ensure_env_file()
    if sys.argv[1:] == ["--ensure-env"]:
        return 0
    stop = StopRequest()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, stop)
    stack = Stack()
    stack.start()
    code = 0
    try:
        if stack.wait_healthy(stop=stop):
            env = stack.env
            print(
                "\nTrợ lý thủ tục hành chính đã sẵn sàng / the assistant is up:\n"
                f"  web chat      http://127.0.0.1:{env['API_PORT']}/\n"
                f"  REST channel  http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook\n"
                f"  API           http://127.0.0.1:{env['API_PORT']}/api/procedures?q=khai%20sinh\n"
                "A service that stops is started again; Ctrl-C stops everything.\n",
                flush=True,
            )
        while not stop.wait(2):
            if stack.supervisor_exited():
                print("supervisord stopped unexpectedly.", file=sys.stderr)
                code = 1
                break
            if failed := stack.given_up():
                print(f"{', '.join(failed)} keeps failing to start; stopping everything.", file=sys.stderr)
                code = 1
                break
    except RuntimeError as exc:
        print(f"Start-up failed: {exc}", file=sys.stderr)
        code = 1
    finally:
        print("\nStopping…", flush=True)
        stack.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
