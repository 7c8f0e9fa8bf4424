"""What ``RASA_PATCHES=off`` costs: Rasa's CPU per turn with and without bot/patches, in one process.

    python -m tools.patches_bench [--rounds 5] [--conversations 8]

Loads models/assistant.tar.gz twice in this process, once with the patches
installed and once without (the prediction graph runner is chosen when a model
is loaded), with the project's redacting tracker store on a throwaway SQLite
file and the real action server (``python -m actions.server``) on a seeded
throwaway catalogue. Then, in alternating rounds, runs the same conversations
(make bench's: greeting, question, follow-ups, dossier lookup, digits, thanks)
one turn at a time through each agent, the patches installed for the patched
one and removed for the other, and counts this process's CPU time: Rasa's
share of a turn (NLU, policies, tracker store, action calls), not the action
server's. Prints the median of the rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "assistant.tar.gz"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(url: str, seconds: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def _run(agents: dict, rounds: int, conversations: int) -> dict:
    from bot import patches
    from bot.patches import endpoint_sessions
    from tools.benchmarks.conversation_bench import conversation

    rng = random.Random(7)
    scripts = [conversation(rng) for _ in range(conversations)]
    turns = sum(len(script) for script in scripts)

    async def play(agent) -> float:
        started = time.process_time()
        for script in scripts:
            sender = uuid.uuid4().hex
            for text in script:
                await agent.handle_text(text, sender_id=sender)
        return (time.process_time() - started) * 1000 / turns

    await play(agents["on"])  # warm-up: caches, first connections
    patches.uninstall()
    await play(agents["off"])
    per_turn = {"on": [], "off": []}
    for number in range(rounds):
        for mode in ("on", "off") if number % 2 else ("off", "on"):
            patches.install() if mode == "on" else patches.uninstall()
            per_turn[mode].append(await play(agents[mode]))
    await endpoint_sessions.close_shared_sessions()
    return {
        "turns_per_round": turns,
        **{mode: statistics.median(values) for mode, values in per_turn.items()},
        "rounds": per_turn,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--conversations", type=int, default=8)
    args = parser.parse_args()
    if not MODEL.is_file():
        print("no trained model: run `make train`", file=sys.stderr)
        return 2

    workdir = Path(tempfile.mkdtemp(prefix="patches-bench-"))
    token, port = uuid.uuid4().hex, _free_port()
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{workdir / 'catalogue.db'}",
            "PHONE_HASH_KEY": os.environ.get("PHONE_HASH_KEY") or "bench-phone-hash-key",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "TF_CPP_MIN_LOG_LEVEL": "3",
        }
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ACTION_SERVER_TOKEN": token}
    for command in ("seed", "seed-dossiers"):
        subprocess.run(
            [sys.executable, "-m", "procedures_db", command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    actions = subprocess.Popen(
        [sys.executable, "-m", "actions.server", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/health")
        import logging

        from rasa.core.agent import Agent
        from rasa.core.lock_store import InMemoryLockStore
        from rasa.utils.endpoints import EndpointConfig
        from rasa.utils.log_utils import configure_structlog

        from bot import patches
        from bot.stores.tracker_store import RedactingTrackerStore

        logging.basicConfig(level=logging.WARNING)
        configure_structlog(logging.WARNING)
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", token=token)

        def load(name: str):
            store = RedactingTrackerStore(url=f"sqlite:///{workdir / f'tracker-{name}.db'}")
            return Agent.load(str(MODEL), tracker_store=store, lock_store=InMemoryLockStore(), action_endpoint=endpoint)

        patches.install()
        agents = {"on": load("on")}
        patches.uninstall()
        agents["off"] = load("off")
        result = asyncio.run(_run(agents, args.rounds, args.conversations))
    finally:
        actions.terminate()
        actions.wait(10)
    on, off = result["on"], result["off"]
    print(f"Rasa CPU per turn ({result['turns_per_round']} turns a round, median of {args.rounds} rounds):")
    print(f"  patches on (default): {on:.1f} ms")
    print(f"  RASA_PATCHES=off:     {off:.1f} ms  ({(off / on - 1) * 100:+.0f}%)")
    print("  rounds:", {mode: [round(value, 1) for value in values] for mode, values in result["rounds"].items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
