"""Throwaway PostgreSQL, Redis and assistant processes that a test can stop, kill and restart."""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

import pytest

from tests.support import free_port


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def redis_server_binary() -> str:
    """redis-server from PATH; installed with apt-get when missing and running as root."""
    found = shutil.which("redis-server")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], env=env, capture_output=True)
        found = shutil.which("redis-server")
        if found:
            return found
    _skip_or_fail("redis-server not installed (apt-get install -y redis-server)")
    raise AssertionError("unreachable")


def postgres_bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        _skip_or_fail("PostgreSQL binaries not installed (apt-get install postgresql)")
    return Path(found[-1]).parent


class RedisServer:
    """``redis-server`` in the foreground on a fixed port, without persistence."""

    def __init__(self) -> None:
        self.binary = redis_server_binary()
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="redis-test-"))
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class PostgresServer:
    """A PostgreSQL cluster in a temporary directory (as the postgres user when root)."""

    def __init__(self, database: str = "assistant") -> None:
        self.bindir = postgres_bindir()
        self.workdir = Path(tempfile.mkdtemp(prefix="pg-prod-test-"))
        self.datadir = self.workdir / "data"
        self.port = free_port()
        self.database = database
        self.run_as: List[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.workdir, "postgres")
            os.chmod(self.workdir, 0o700)
            self.run_as = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(self.run_as + [str(self.bindir / tool), *args], check=check, capture_output=True)

    def start(self) -> "PostgresServer":
        self._run(
            "pg_ctl",
            "-D",
            str(self.datadir),
            "-w",
            "-l",
            str(self.workdir / "log"),
            "-o",
            f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        self._run(
            "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", self.database, check=False
        )  # exists after a restart
        return self

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "-w", "stop", check=False)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class Service:
    """One assistant process (Rasa replica, action server, API) with its log in a file."""

    def __init__(
        self, name: str, command: List[str], env: Dict[str, str], health_url: str, log_path: Path, cwd: Path
    ) -> None:
        self.name, self.command, self.env, self.health_url = name, command, env, health_url
        self.log_path, self.cwd = log_path, cwd
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> "Service":
        log = open(self.log_path, "a", encoding="utf-8")
        self.process = subprocess.Popen(
            self.command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        return self

    def wait_healthy(self, timeout: float = 240) -> "Service":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.health_url, timeout=2) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"{self.name} not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def signal(self, signum: int) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signum)

    def kill(self) -> None:
        """SIGKILL: a crash, nothing is cleaned up."""
        self.signal(signal.SIGKILL)
        if self.process:
            self.process.wait()

    def stop(self, grace: float = 15) -> None:
        if not self.process or self.process.poll() is not None:
            return
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])
