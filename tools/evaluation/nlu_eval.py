"""``make eval``: NLU quality on the held-out test set, per subset, and parse latency.

Prints intent accuracy and macro-F1 for each subset (accented, no diacritics,
abbreviations/typos), dossier-code extraction and procedure-linking accuracy,
writes a confusion matrix picture under results/, then measures
``/model/parse`` latency on a running Rasa server at one user.

``--test-dir`` picks the test set (default tests/nlu_test); results/ files of
any other set carry its folder name, e.g. intent_confusion_matrix_nlu_test_fresh.png.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEST_DIR = ROOT / "tests" / "nlu_test"
RESULTS = ROOT / "results"
SUBSETS = ("accented", "no_diacritics", "abbreviations")


def load_subset(name: str, test_dir: Path = TEST_DIR) -> list[dict]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(test_dir / f"{name}.yml"))
    return [
        {"text": ex.get("text"), "intent": ex.get("intent"), "entities": ex.get("entities") or []}
        for ex in data.training_examples
    ]


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    labels = sorted(set(gold))
    scores = []
    for label in labels:
        tp = sum(g == p == label for g, p in zip(gold, predicted))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores) if scores else 0.0


def original_intent(parse: dict) -> str:
    """The classifier's intent, before the FallbackClassifier relabels it."""
    for ranked in parse.get("intent_ranking", []):
        if ranked["name"] != "nlu_fallback":
            return ranked["name"]
    return parse["intent"]["name"]


def expected_value(example: dict, entity: str) -> str | None:
    values = [e.get("value") for e in example["entities"] if e.get("entity") == entity]
    return values[0] if values else None


def predicted_entity(parse: dict, entity: str) -> dict | None:
    found = [e for e in parse.get("entities", []) if e.get("entity") == entity]
    return found[0] if found else None


def evaluate(agent, examples: list[dict]) -> dict:
    async def parse_all():
        return [await agent.parse_message(ex["text"]) for ex in examples]

    parses = asyncio.run(parse_all())
    gold = [ex["intent"] for ex in examples]
    predicted = [original_intent(p) for p in parses]
    fallback = sum(p["intent"]["name"] == "nlu_fallback" for p in parses)
    linking = {"total": 0, "top1": 0, "top1_or_candidate": 0, "spurious": 0}
    dossier = {"total": 0, "correct": 0}
    errors = []
    for example, parse, guess in zip(examples, parses, predicted):
        want = expected_value(example, "procedure")
        got = predicted_entity(parse, "procedure")
        if want:
            linking["total"] += 1
            linking["top1"] += bool(got and got["value"] == want)
            linking["top1_or_candidate"] += bool(
                got and (got["value"] == want or want in {c["code"] for c in got.get("candidates", [])})
            )
            if not got or got["value"] != want:
                errors.append(("procedure", example["text"], want, got["value"] if got else None))
        elif got:
            linking["spurious"] += 1
        want_code = expected_value(example, "dossier_code")
        if want_code:
            dossier["total"] += 1
            got_code = predicted_entity(parse, "dossier_code")
            dossier["correct"] += bool(got_code and got_code["value"].lower() == want_code.lower())
        if guess != example["intent"]:
            errors.append(("intent", example["text"], example["intent"], guess))
    return {
        "n": len(examples),
        "accuracy": sum(g == p for g, p in zip(gold, predicted)) / len(gold),
        "macro_f1": macro_f1(gold, predicted),
        "fallback_rate": fallback / len(examples),
        "linking": linking,
        "dossier": dossier,
        "gold": gold,
        "predicted": predicted,
        "errors": errors,
    }


def confusion_matrix_picture(gold: list[str], predicted: list[str], path: Path, set_name: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    labels = sorted(set(gold) | set(predicted))
    figure, axis = plt.subplots(figsize=(12, 11))
    ConfusionMatrixDisplay.from_predictions(gold, predicted, labels=labels, ax=axis, xticks_rotation=90, colorbar=False)
    axis.set_title(f"Intent confusion matrix (held-out test set {set_name}, all subsets)")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)


def parse_latency(url: str, texts: list[str], rounds: int = 3, token: str = "") -> dict:
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"  # Rasa's HTTP API needs RASA_AUTH_TOKEN
    timings = []
    for _ in range(rounds):
        for text in texts:
            started = time.perf_counter()
            reply = session.post(f"{url}/model/parse", json={"text": text}, timeout=10)
            reply.raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"n": len(timings), "p50": statistics.median(timings), "p95": timings[int(0.95 * (len(timings) - 1))]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "assistant.tar.gz"))
    parser.add_argument("--no-latency", action="store_true", help="skip the /model/parse latency measurement")
    parser.add_argument("--errors", action="store_true", help="print every misclassified example")
    parser.add_argument(
        "--test-dir",
        type=Path,
        default=TEST_DIR,
        help="folder with accented.yml, no_diacritics.yml, abbreviations.yml (default tests/nlu_test)",
    )
    args = parser.parse_args()
    test_dir = args.test_dir.resolve()
    set_name = test_dir.name
    suffix = "" if test_dir == TEST_DIR else f"_{set_name}"

    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    from bot import patches

    configure_structlog(logging.WARNING)  # not one debug line per parsed message
    patches.install()  # as the Rasa server runs: the latency figures are the server's
    agent = Agent.load(args.model)
    results = {name: evaluate(agent, load_subset(name, test_dir)) for name in SUBSETS}

    print(f"\nNLU on the held-out test set {set_name} (intent = classifier's best, before fallback)")
    print(
        f"{'subset':15} {'n':>5} {'accuracy':>9} {'macro-F1':>9} {'fallback':>9} {'link top-1':>11} {'link+cand':>10} {'spurious':>9}"
    )
    for name, r in results.items():
        link = r["linking"]
        top1 = link["top1"] / link["total"] if link["total"] else float("nan")
        cand = link["top1_or_candidate"] / link["total"] if link["total"] else float("nan")
        print(
            f"{name:15} {r['n']:5d} {r['accuracy']:9.3f} {r['macro_f1']:9.3f} {r['fallback_rate']:9.3f} "
            f"{top1:11.3f} {cand:10.3f} {link['spurious']:9d}"
        )
    all_gold = [g for r in results.values() for g in r["gold"]]
    all_predicted = [p for r in results.values() for p in r["predicted"]]
    links = Counter()
    dossiers = Counter()
    for r in results.values():
        links.update(r["linking"])
        dossiers.update(r["dossier"])
    print(
        f"{'all':15} {len(all_gold):5d} {sum(g == p for g, p in zip(all_gold, all_predicted)) / len(all_gold):9.3f} "
        f"{macro_f1(all_gold, all_predicted):9.3f}"
    )
    print(
        f"procedure linking top-1: {links['top1']}/{links['total']} = {links['top1'] / max(links['total'], 1):.3f}"
        f" (top-1 or among clarification candidates: {links['top1_or_candidate'] / max(links['total'], 1):.3f})"
    )
    print(
        f"dossier code extraction: {dossiers['correct']}/{dossiers['total']} = {dossiers['correct'] / max(dossiers['total'], 1):.3f}"
    )

    picture = RESULTS / f"intent_confusion_matrix{suffix}.png"
    confusion_matrix_picture(all_gold, all_predicted, picture, set_name)
    print(f"confusion matrix: {picture.relative_to(ROOT)}")
    with open(RESULTS / f"nlu_errors{suffix}.json", "w", encoding="utf-8") as stream:
        json.dump({name: r["errors"] for name, r in results.items()}, stream, ensure_ascii=False, indent=1)
    if args.errors:
        for name, r in results.items():
            for kind, text, want, got in r["errors"]:
                print(f"  [{name}] {kind}: {text!r} expected {want} got {got}")

    if not args.no_latency:
        texts = [ex["text"] for name in SUBSETS for ex in load_subset(name, test_dir)][:200]
        print(parse_latency_on_server(args.model, texts))
    return 0


def parse_latency_on_server(model: str, texts: list[str]) -> str:
    """Start a Rasa server with the model on a free port and time /model/parse at one user."""
    sys.path.insert(0, str(ROOT))
    from tools.stack import Stack, service_environment
    from tests.support import free_port

    env = {
        **service_environment(),
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "API_PORT": str(free_port()),
    }
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    with open(os.devnull, "w") as quiet:
        stack = Stack(env=env, model=model, log=quiet)
        stack.start()
        try:
            stack.wait_healthy()
            stats = parse_latency(f"http://127.0.0.1:{env['RASA_PORT']}", texts, token=env["RASA_AUTH_TOKEN"])
        finally:
            stack.stop()
    return (
        f"/model/parse latency at one user over {stats['n']} requests: "
        f"p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms"
    )


if __name__ == "__main__":
    sys.exit(main())
