"""Starts the whole assistant in the foreground: Rasa server, action server, API + web page.

Each service's output is prefixed with its name; Ctrl-C (or SIGTERM) stops all
of them. Ports come from RASA_PORT, ACTION_PORT and API_PORT (CONTRACTS.md
defaults 5005, 5055, 8000). Used by ``make run`` and by the end-to-end tests.
"""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
GENERATED_SECRETS = ("DOSSIER_API_TOKEN", "PHONE_HASH_KEY")


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


def service_environment() -> dict[str, str]:
    env = {**load_env_file(), **os.environ}
    env.setdefault("RASA_PORT", "5005")
    env.setdefault("ACTION_PORT", "5055")
    env.setdefault("API_PORT", "8000")
    env.setdefault("TRACKER_DB", str(ROOT / "var" / "tracker.db"))
    env.setdefault("ACTION_SERVER_URL", f"http://127.0.0.1:{env['ACTION_PORT']}/webhook")
    Path(env["TRACKER_DB"]).parent.mkdir(parents=True, exist_ok=True)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def commands(env: dict[str, str], model: str | None = None) -> dict[str, list[str]]:
    python = sys.executable
    # Installs the personal-data log filter in both servers (bot/logging_filter.py).
    # rasa_sdk 3.6 spells the option --logging-config_file.
    logging_config = env.get("LOGGING_CONFIG_FILE", "bot/logging.yml")
    rasa = [python, "-m", "rasa", "run", "--enable-api", "--cors", "*", "--port", env["RASA_PORT"],
            "--endpoints", env.get("ENDPOINTS_FILE", "bot/endpoints.yml"),
            "--credentials", env.get("CREDENTIALS_FILE", "bot/credentials.yml"),
            "--model", model or "models", "--logging-config-file", logging_config]
    return {
        "actions": [python, "-m", "rasa_sdk", "--actions", "actions", "--port", env["ACTION_PORT"],
                    "--logging-config_file", logging_config],
        "rasa": rasa,
        "api": [python, "-m", "procedures_db", "serve", "--port", env["API_PORT"]],
    }


def health_urls(env: dict[str, str]) -> dict[str, str]:
    return {
        "actions": f"http://127.0.0.1:{env['ACTION_PORT']}/health",
        "rasa": f"http://127.0.0.1:{env['RASA_PORT']}/status",
        "api": f"http://127.0.0.1:{env['API_PORT']}/health",
    }


def _pump(name: str, stream, out) -> None:
    for line in iter(stream.readline, b""):
        out.write(f"[{name:7}] {line.decode('utf-8', 'replace')}")
        out.flush()


class Stack:
    def __init__(self, env: dict[str, str] | None = None, model: str | None = None, log=sys.stdout):
        self.env = env or service_environment()
        self.model = model
        self.log = log
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        for name, command in commands(self.env, self.model).items():
            process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self.processes[name] = process
            threading.Thread(target=_pump, args=(name, process.stdout, self.log), daemon=True).start()

    def wait_healthy(self, timeout: float = 180) -> None:
        pending = dict(health_urls(self.env))
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited with code {self.processes[name].returncode}")
                try:
                    with urllib.request.urlopen(url, timeout=2) as reply:
                        if reply.status == 200:
                            del pending[name]
                except OSError:
                    pass
            time.sleep(0.5)
        if pending:
            raise RuntimeError(f"not healthy after {timeout:.0f} s: {', '.join(pending)}")

    def stop(self, grace: float = 15) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def first_exited(self) -> str | None:
        return next((name for name, p in self.processes.items() if p.poll() is not None), None)


def _stop_on_sigterm(*_) -> None:
    raise KeyboardInterrupt  # SIGTERM stops the stack the way Ctrl-C does


def main() -> int:
    ensure_env_file()
    if sys.argv[1:] == ["--ensure-env"]:
        return 0
    stack = Stack()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    stack.start()
    try:
        stack.wait_healthy()
        env = stack.env
        print(
            "\nTrợ lý thủ tục hành chính đã sẵn sàng / the assistant is up:\n"
            f"  web chat      http://127.0.0.1:{env['API_PORT']}/\n"
            f"  REST channel  http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook\n"
            f"  API           http://127.0.0.1:{env['API_PORT']}/api/procedures?q=khai%20sinh\n"
            "Ctrl-C stops everything.\n",
            flush=True,
        )
        while (exited := stack.first_exited()) is None:
            time.sleep(1)
        print(f"{exited} stopped unexpectedly; stopping the others.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"Start-up failed: {exc}", file=sys.stderr)
        return 1
    finally:
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
