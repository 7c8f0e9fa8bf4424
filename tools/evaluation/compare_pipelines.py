"""Trains each candidate NLU pipeline in tools/evaluation/pipelines/ and compares them on the held-out set.

    python -m tools.evaluation.compare_pipelines [NAME ...]

How config.yml's pipeline was chosen: by these figures, not by default.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tools.evaluation.nlu_eval import ROOT, SUBSETS, evaluate, load_subset

PIPELINES = Path(__file__).parent / "pipelines"
OUT = ROOT / "results" / "pipelines"


def train(config: Path) -> tuple[Path, float]:
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            "data/nlu",
            "--out",
            str(OUT),
            "--fixed-model-name",
            config.stem,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return OUT / f"{config.stem}.tar.gz", time.perf_counter() - started


def main() -> int:
    from rasa.core.agent import Agent

    names = sys.argv[1:]
    configs = [PIPELINES / f"{n}.yml" for n in names] if names else sorted(PIPELINES.glob("*.yml"))
    subsets = {name: load_subset(name) for name in SUBSETS}
    rows = []
    for config in configs:
        model, seconds = train(config)
        agent = Agent.load(str(model))
        scores = {name: evaluate(agent, examples) for name, examples in subsets.items()}
        rows.append((config.stem, seconds, scores))
        print(
            f"{config.stem:28} train {seconds:5.1f}s  "
            + "  ".join(f"{name} F1 {s['macro_f1']:.3f}" for name, s in scores.items()),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
