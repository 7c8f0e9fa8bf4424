"""Helpers shared by tests, evaluation and benchmarks (tools/)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping

ROOT = Path(__file__).resolve().parent.parent  # the repository


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def api_server(env: Mapping[str, str], log_path: Path, timeout: float = 60) -> Iterator[str]:
    """``python -m procedures_db serve`` with ``env`` on a free port, once ``/health`` answers; yields its base URL.

    Raises RuntimeError with the end of its log when it exits or does not answer within ``timeout``.
    """
    import requests

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "procedures_db", "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                state = "exited" if process.poll() is not None else f"did not answer in {timeout:.0f} s"
                tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"the API server {state}:\n{tail}")
            try:
                if requests.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
