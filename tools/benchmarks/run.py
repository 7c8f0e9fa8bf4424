"""``make bench``: search latency, then conversation turns of this project's config vs stock Rasa.

1. Catalogue search latency and index memory on SQLite (search_bench.py): the seed,
   the seed and 10,000 generated records (target: p95 < 10 ms), then the seed and the
   national portal pages of ../shared/data/national when present (import < 60 s,
   p95 < 5 ms; skipped, saying so, when absent).
2. Training time of each configuration on the same data and domain: this
   project's config.yml, trained fresh into a temporary directory; stock Rasa
   3.6's default config (stock_config.yml), trained once and cached under
   results/bench_cache/ by a hash of data, domain, config and Rasa version
   (the cached training time is reported with it). Both train with an empty
   Rasa cache, so the times are cold trainings.
3. Conversation turns through the REST channel at 1, 20 and 100 citizens
   (conversation_bench.py) for models/assistant.tar.gz and the stock model,
   each served with the same action server and API on a freshly seeded
   throwaway database, plus the Rasa server's peak memory; then, at 20
   citizens, stock Rasa as shipped and both models on two worker processes
   (see all_conversations), and our model at 20 citizens with the national pages
   imported into its catalogue (when ../shared/data/national is present), beside
   the seed-only run.

Figures are printed and written to results/bench.json; there are no pass/fail thresholds.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from procedures_db.db import session_scope
from integrations.seed import seed_demo_dossiers
from integrations.portal_import import import_portal
from integrations.seed import seed_if_empty
from tools.stack import ROOT, service_environment
from tools.benchmarks import conversation_bench, search_bench
from tests.support import free_port

RESULTS = ROOT / "results"
CACHE = RESULTS / "bench_cache"
OUR_CONFIG = ROOT / "config.yml"
OUR_MODEL = ROOT / "models" / "assistant.tar.gz"
STOCK_CONFIG = Path(__file__).with_name("stock_config.yml")
STOCK_ENDPOINTS = Path(__file__).with_name("stock_endpoints.yml")
STOCK_CREDENTIALS = Path(__file__).with_name("stock_credentials.yml")
TRAINING_INPUTS = (ROOT / "data", ROOT / "bot" / "domain")


def log(message: str) -> None:
    print(message, flush=True)


def train(config: Path, out: Path, name: str, workdir: Path) -> float:
    """Train ``config`` on the project's data and domain into ``out``; returns wall-clock seconds."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "RASA_TELEMETRY_ENABLED": "false",
        "RASA_CACHE_DIRECTORY": str(workdir / f"rasa-cache-{name}"),
    }  # cold: no cached components
    # Our config trains with the project's Rasa patches installed (python -m bot), the stock one with plain Rasa.
    runner = "rasa" if config == STOCK_CONFIG else "bot"
    command = [
        sys.executable,
        "-m",
        runner,
        "train",
        "--config",
        str(config),
        "--domain",
        "bot/domain",
        "--data",
        "data",
        "--out",
        str(out),
        "--fixed-model-name",
        name,
    ]
    log_path = workdir / f"train-{name}.log"
    started = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as output:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)
    if done.returncode != 0 or not (out / f"{name}.tar.gz").is_file():
        raise RuntimeError(f"training {name} failed; last lines of {log_path}:\n{tail(log_path)}")
    return round(time.perf_counter() - started, 1)


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def training_fingerprint() -> str:
    """Hash of everything the stock model depends on: data, domain, stock config, Rasa version."""
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    files = [STOCK_CONFIG] + sorted(p for d in TRAINING_INPUTS for p in d.rglob("*") if p.is_file())
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def stock_model(workdir: Path) -> tuple[Path, dict]:
    """The stock model for the current data, trained only when the cache has none."""
    folder = CACHE / f"stock-{training_fingerprint()}"
    model, info_file = folder / "stock.tar.gz", folder / "training.json"
    if model.is_file() and info_file.is_file():
        info = json.loads(info_file.read_text())
        log(
            f"stock model: cached in {folder.relative_to(ROOT)} (trained in {info['seconds']} s on {info['trained_at']})"
        )
        return model, {**info, "cached": True}
    log("stock model: training stock Rasa 3.6 default config (once; cached for later runs)…")
    for old in CACHE.glob("stock-*"):
        shutil.rmtree(old)
    seconds = train(STOCK_CONFIG, folder, "stock", workdir)
    info = {"seconds": seconds, "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    info_file.write_text(json.dumps(info))
    log(f"stock model: trained in {seconds} s")
    return model, {**info, "cached": False}


def our_training(workdir: Path) -> dict:
    """A fresh training of config.yml (the served model stays models/assistant.tar.gz from `make train`)."""
    seconds = train(OUR_CONFIG, workdir / "ours-model", "assistant", workdir)
    log(f"our model: fresh training took {seconds} s")
    return {"seconds": seconds, "cached": False}


def stack_environment(workdir: Path, national: Path | None = None, **overrides: str) -> dict:
    """Free ports, a seeded throwaway catalogue with the demo dossiers (and the ``national`` pages), a fresh tracker store."""
    workdir.mkdir(parents=True, exist_ok=True)
    database = f"sqlite:///{workdir / 'assistant.db'}"
    with session_scope(database) as session:
        seed_if_empty(session)
        seed_demo_dossiers(session)  # digests made with this process's PHONE_HASH_KEY, as the stack's
    if national is not None:  # as make run with CATALOGUE_IMPORT
        with session_scope(database) as session:
            import_portal(session, [national])
    env = service_environment()
    env.update(
        {
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "API_PORT": str(free_port()),
            "DATABASE_URL": database,
            "TRACKER_DB": str(workdir / "tracker.db"),
        }
    )
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    env.update(overrides)
    return env


def conversations(
    name: str, model: Path, workdir: Path, full: bool = True, national: Path | None = None, **env: str
) -> dict:
    """One stack: every level and the paced citizens (``full``), or only the 20-citizen level."""
    log(f"conversation turns, {name} ({model.relative_to(ROOT)}):")
    folder = workdir / f"stack-{name}"
    try:
        levels = conversation_bench.LEVELS if full else (20,)
        result = conversation_bench.bench_stack(
            stack_environment(folder, national, **env), str(model), folder / "stack.log", log, levels=levels, paced=full
        )
    except Exception:
        log(f"stack log tail ({name}):\n{tail(folder / 'stack.log')}")
        raise
    log(f"  Rasa server peak RSS {result['rasa_peak_rss_mb']} MB, start-up {result['startup_s']} s")
    return result


def all_conversations(stock: Path, workdir: Path) -> dict:
    """This project's configuration and stock Rasa's, on the same server set-ups.

    - ``ours`` / ``stock``: one Rasa process with this project's server code
      (endpoints, stores, channels, bot/patches/), as `make run` starts it;
      only config.yml and the model differ. Every level.
    - ``stock as shipped``: stock Rasa as `rasa init` runs it: Rasa's own REST
      channel, SQL tracker store (SQLite) and in-memory lock store, no code of
      this project in the Rasa process. 20 citizens.
    - ``… 2 workers``: two Rasa processes on the same port (SANIC_WORKERS=2)
      sharing a throwaway Redis lock store, the production topology on one
      machine. 20 citizens. Skipped without redis-server.
    - ``ours, national catalogue``: ``ours`` with the national pages imported
      into its catalogue (issue 15: not slower than the seed alone). 20 citizens.
      Skipped, saying so, without ../shared/data/national.
    """
    runs = {
        "ours": conversations("ours", OUR_MODEL, workdir),
        "stock": conversations("stock", stock, workdir),
        "stock as shipped": conversations(
            "stock-as-shipped",
            stock,
            workdir,
            full=False,
            ENDPOINTS_FILE=str(STOCK_ENDPOINTS.relative_to(ROOT)),
            CREDENTIALS_FILE=str(STOCK_CREDENTIALS.relative_to(ROOT)),
            STOCK_TRACKER_DB=str(workdir / "stock-tracker.db"),
        ),
    }
    national = search_bench.NATIONAL_DIR
    if national.is_dir() and any(national.glob("*.jsonl*")):
        runs["ours, national catalogue"] = conversations(
            "ours-national", OUR_MODEL, workdir, full=False, national=national
        )
    else:
        log(f"conversation turns with the national catalogue: SKIPPED, no portal pages in {national}")
    if not shutil.which("redis-server"):
        log("redis-server not installed: the two-worker runs are skipped (apt-get install redis-server)")
        return runs
    from tests.servers import RedisServer

    redis = RedisServer().start()
    try:
        for name, model in (("ours", OUR_MODEL), ("stock", stock)):
            runs[f"{name} 2 workers"] = conversations(
                f"{name}-2-workers",
                model,
                workdir,
                full=False,
                SANIC_WORKERS="2",
                REDIS_URL=redis.url,
                REDIS_KEY_PREFIX=name.replace(" ", ""),
            )
    finally:
        redis.cleanup()
    return runs


def ratio(results: dict, ours: str, stock: str) -> float | None:
    runs = results["conversation"]
    if ours not in runs or stock not in runs:
        return None
    a, b = (runs[k]["levels"]["20"]["throughput_turns_s"] for k in (ours, stock))
    return round(a / b, 2) if b else None


def table(results: dict) -> str:
    """The compact side-by-side table printed at the end."""
    runs = results["conversation"]
    names = list(runs)
    rows = [
        ("", *names),
        ("training time (s)", results["training"]["ours"]["seconds"], results["training"]["stock"]["seconds"]),
        ("Rasa peak RSS (MB)", *(runs[n]["rasa_peak_rss_mb"] for n in names)),
    ]
    for users in runs["ours"]["levels"]:
        cells = [runs[n]["levels"].get(users) for n in names]
        rows += [
            (f"{users:>9} users p50 / p95 (ms)", *(f"{c['p50_ms']} / {c['p95_ms']}" if c else "" for c in cells)),
            (f"{users:>9} users turns/s", *(c["throughput_turns_s"] if c else "" for c in cells)),
            (f"{users:>9} users errors / turns", *(f"{c['errors']} / {c['turns']}" if c else "" for c in cells)),
        ]
    for label, value in results["throughput_ratios_20_users"].items():
        rows.append((f"turns/s @20 {label}", value))
    for label, s in results["search"].items():
        rows.append(
            (
                f"search {s['records']} records ({label}) p50/p95/max (ms)",
                f"{s['p50_ms']} / {s['p95_ms']} / {s['max_ms']}",
            )
        )
        rows.append((f"search ({label}) CPU p95 (ms)", s["cpu_p95_ms"]))
        rows.append((f"search index ({label}) memory (MB)", s["index_mb"]))
    if "national" in results["search"]:
        rows.append(("national pages import (s)", results["search"]["national"]["import_s"]))
    width = max(len(r[0]) for r in rows)
    columns = max(len(r) for r in rows) - 1
    return "\n".join(
        f"{r[0]:<{width}}" + "".join(f"  {str(c):>17}" for c in (*r[1:], *[""] * (columns - len(r) + 1))) for r in rows
    )


def main() -> int:
    started = time.monotonic()
    os.environ["PHONE_HASH_KEY"] = secrets.token_hex(32)  # throwaway databases: seeding and the stacks share it
    os.environ.setdefault("DOSSIER_API_TOKEN", secrets.token_urlsafe(32))
    if not OUR_MODEL.is_file():
        log("no models/assistant.tar.gz: run `make bench` (it trains first)")
        return 1
    results = {
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
    }
    if results["load_average_at_start"][0] > 1.0:  # of 2 cores
        log(f"note: load average {results['load_average_at_start'][0]:.1f} at start: other work shares these CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        results["search"] = search_bench.run(workdir, log)
        results["training"] = {"ours": our_training(workdir)}
        model, results["training"]["stock"] = stock_model(workdir)
        results["conversation"] = all_conversations(model, workdir)
    results["throughput_ratios_20_users"] = {
        label: value
        for label, value in (
            ("ours / stock", ratio(results, "ours", "stock")),
            ("ours / stock as shipped", ratio(results, "ours", "stock as shipped")),
            ("ours 2 workers / stock 2 workers", ratio(results, "ours 2 workers", "stock 2 workers")),
            ("ours 2 workers / stock", ratio(results, "ours 2 workers", "stock")),
            ("ours national catalogue / ours seed", ratio(results, "ours, national catalogue", "ours")),
        )
        if value is not None
    }
    results["duration_s"] = round(time.monotonic() - started, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    log(f"\n{table(results)}\n\nwritten to results/bench.json in {results['duration_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
