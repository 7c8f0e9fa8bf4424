"""Multi-label aspect detection and per-clause procedure mentions on the development set: precision, recall, F1.

Scores bot/components/aspect_detector.py's entities (the same code the NLU runs) on
tests/aspects_dev/development.yml, written for issue 16 by its developer (not held out:
its figures are development figures). Per aspect: precision, recall and F1 over the set
of aspects each message asks; micro and macro averages; the share of messages whose
aspects are all found, in the right order; and the procedures named per message.
The catalogue is the seed, loaded into a throwaway SQLite database.

    python -m tools.evaluation.aspect_eval [--errors]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEV_SET = ROOT / "tests" / "aspects_dev" / "development.yml"


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0 if not fn else 0.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def score(examples: list[dict], predict) -> dict:
    """``predict(text)`` → (aspects in order, procedure codes); the figures of the set."""
    counts: dict[str, Counter] = {}
    ordered = exact_procedures = 0
    proc = Counter()
    errors = []
    for example in examples:
        gold = list(example.get("aspects") or [])
        gold_codes = set(example.get("procedures") or [])
        aspects, codes = predict(example["text"])
        for label in set(gold) | set(aspects):
            c = counts.setdefault(label, Counter())
            c["tp"] += label in gold and label in aspects
            c["fp"] += label in aspects and label not in gold
            c["fn"] += label in gold and label not in aspects
        ordered += [a for a in aspects if a in gold] == gold and set(aspects) == set(gold)
        proc["tp"] += len(gold_codes & set(codes))
        proc["fp"] += len(set(codes) - gold_codes)
        proc["fn"] += len(gold_codes - set(codes))
        exact_procedures += set(codes) == gold_codes
        if set(aspects) != set(gold) or set(codes) != gold_codes:
            errors.append((example["text"], gold, aspects, sorted(gold_codes), codes))
    per_aspect = {label: f1(c["tp"], c["fp"], c["fn"]) for label, c in sorted(counts.items())}
    total = Counter()
    for c in counts.values():
        total.update(c)
    return {
        "n": len(examples),
        "per_aspect": per_aspect,
        "support": {label: c["tp"] + c["fn"] for label, c in counts.items()},
        "micro": f1(total["tp"], total["fp"], total["fn"]),
        "macro_f1": sum(v[2] for v in per_aspect.values()) / len(per_aspect) if per_aspect else 0.0,
        "exact_in_order": ordered / len(examples) if examples else 0.0,
        "procedures": f1(proc["tp"], proc["fp"], proc["fn"]),
        "procedures_exact": exact_procedures / len(examples) if examples else 0.0,
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default=str(DEV_SET))
    parser.add_argument("--errors", action="store_true", help="print every message not fully right")
    args = parser.parse_args(argv)

    from bot.components.aspect_detector import ASPECT, PROCEDURE_REF, AspectDetector
    from integrations.seed import seed_if_empty
    from procedures_db.db import session_scope

    examples = yaml.safe_load(Path(args.set).read_text(encoding="utf-8"))["examples"]
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/seed.db"
        with session_scope(url) as session:
            seed_if_empty(session)
        detector = AspectDetector({"database_url": url, "route_intents": False})

        def predict(text: str) -> tuple[list[str], list[str]]:
            entities = detector.entities(text)
            return (
                [e["value"] for e in entities if e["entity"] == ASPECT],
                [e["value"] for e in entities if e["entity"] == PROCEDURE_REF],
            )

        result = score(examples, predict)

    print(f"Aspect detection on {Path(args.set).relative_to(ROOT)} ({result['n']} messages, development set)")
    print(f"{'aspect':<13} {'support':>7} {'precision':>9} {'recall':>7} {'F1':>6}")
    for label, (precision, recall, f) in result["per_aspect"].items():
        print(f"{label:<13} {result['support'][label]:>7} {precision:>9.3f} {recall:>7.3f} {f:>6.3f}")
    precision, recall, f = result["micro"]
    print(f"{'micro':<13} {'':>7} {precision:>9.3f} {recall:>7.3f} {f:>6.3f}")
    print(f"{'macro F1':<13} {'':>7} {'':>9} {'':>7} {result['macro_f1']:>6.3f}")
    print(f"messages with every aspect, in order: {result['exact_in_order']:.3f}")
    precision, recall, f = result["procedures"]
    print(
        f"procedures named per clause: precision {precision:.3f}, recall {recall:.3f}, F1 {f:.3f}; "
        f"messages with exactly the procedures named: {result['procedures_exact']:.3f}"
    )
    if args.errors:
        for text, gold, aspects, gold_codes, codes in result["errors"]:
            print(f"- {text!r}: aspects {gold} → {aspects}; procedures {gold_codes} → {codes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
