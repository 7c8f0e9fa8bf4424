"""``make eval``: catalogue search and linking on citizens' queries, with the full national catalogue.

Loads the national portal pages (``../shared/data/national`` beside the repository,
or ``--national PATH``) and the seed into a temporary SQLite database, runs each
query of tests/catalogue_eval/queries_dev.jsonl, queries_dev2.jsonl and queries_dev3.jsonl
(development: thresholds are calibrated on them; the second and third, written blind, are
nearly half out of catalogue)
and queries_fresh.jsonl (held out: only reported) through the
decision the chat makes (bot/components/procedure_linker.py ``link``: answer one
procedure, ask between at most four, or say the catalogue does not hold it), and
prints for each set:

- in-catalogue queries: top-1 accuracy (the answer is one of the expected codes),
  clarifications whose choices include an expected code (counted apart), per kind;
- out-of-catalogue queries: the share answered with a procedure (wrong; target <= 1%),
  those answered with a seed procedure that has no national record named apart;
- the in-catalogue misses by what went wrong (an expected procedure ranked first but
  refused, ranked lower, or not found; another procedure answered; asked);
- a calibration curve: each threshold against the share answered and the wrong answers;
- search latency over the set's queries (p50, p95);
- the same queries through the trained NLU (``models/assistant.tar.gz``, every
  component, the intent routing and the fallback included), as a message
  without context reaches the dialogue: the share given a procedure-question
  intent, and top-1 / wrong out of catalogue counting as answered a procedure
  linked under such an intent, or linked surely under ``out_of_scope`` (the
  dialogue answers it: actions/out_of_scope.py); a ``nlu_fallback`` with a
  procedure asks "có phải anh/chị muốn hỏi …": counted as asked. ``--no-nlu``
  skips it.

Without the national data it says so and stops (exit status 0: nothing to measure).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

from actions.out_of_scope import SURELY

ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = ROOT / "tests" / "catalogue_eval"
NATIONAL = ROOT.parent / "shared" / "data" / "national"
SETS = (
    ("dev", EVAL_DIR / "queries_dev.jsonl"),
    ("dev2", EVAL_DIR / "queries_dev2.jsonl"),
    ("dev3", EVAL_DIR / "queries_dev3.jsonl"),
    ("fresh", EVAL_DIR / "queries_fresh.jsonl"),
)
DEVELOPMENT = frozenset({"dev", "dev2", "dev3"})
OUT = "out_of_catalogue"
TARGET_TOP1, TARGET_WRONG_OUT = 0.95, 0.01


@dataclass(frozen=True)
class Outcome:
    kind: str  # "answer", "clarify" or "none"
    code: str | None = None
    choices: tuple[str, ...] = ()


def load_queries(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def build_catalogue(url: str, national: Path) -> None:
    from integrations.portal_import import import_portal
    from integrations.seed import seed_if_empty
    from procedures_db.db import session_scope

    with session_scope(url) as session:
        seed_if_empty(session)
    with session_scope(url) as session:
        report = import_portal(session, [national])
    print(f"catalogue: seed + {report.summary()}")


def row_of(query: dict) -> str:
    """The table row of a query: out of catalogue, else its typing style (the second development set
    gives the style apart from the kind; the others' kind is the style)."""
    return OUT if query["kind"] == OUT else query.get("style", query["kind"])


def outcome(entity: dict | None) -> Outcome:
    if entity is None:
        return Outcome("none")
    if entity.get("candidates"):
        return Outcome("clarify", None, tuple(c["code"] for c in entity["candidates"]))
    return Outcome("answer", entity["value"])


def score(queries: list[dict], outcomes: list[Outcome], local_codes: set[str]) -> dict:
    """Counts per kind: answered right / clarified with an expected choice / wrong / said none."""
    table: dict[str, Counter] = defaultdict(Counter)
    for query, result in zip(queries, outcomes):
        expected = set(query["expected_codes"])
        row = table[row_of(query)]
        row["n"] += 1
        if not expected:
            if result.kind == "answer":
                row["wrong"] += 1
                row["wrong_local"] += result.code in local_codes
            elif result.kind == "clarify":
                row["clarify"] += 1
            else:
                row["none"] += 1
        elif result.kind == "answer":
            row["right" if result.code in expected else "wrong"] += 1
        elif result.kind == "clarify":
            row["clarify_right" if expected & set(result.choices) else "clarify_other"] += 1
        else:
            row["none"] += 1
    return table


def miss_categories(queries: list[dict], outcomes: list[Outcome], results: list) -> Counter:
    """The in-catalogue misses by what went wrong, for error analysis on the development set."""
    counts: Counter = Counter()
    for query, result, found in zip(queries, outcomes, results):
        expected = set(query["expected_codes"])
        if not expected or (result.kind == "answer" and result.code in expected):
            continue
        if result.kind == "answer":
            counts["answered another procedure"] += 1
        elif result.kind == "clarify":
            counts["asked" + (", an expected one among the choices" if expected & set(result.choices) else "")] += 1
        else:
            rank = next((i for i, hit in enumerate(found.hits) if hit.code in expected), None)
            counts[
                "said none, the expected one ranked first"
                if rank == 0
                else "said none, the expected one ranked lower"
                if rank is not None
                else "said none, the expected one not found"
            ] += 1
    return counts


def nlu_outcome(parse: dict, answer_intents: frozenset[str]) -> Outcome:
    """What the dialogue does with a parsed message that has no context: answer, ask or neither."""
    intent = (parse.get("intent") or {}).get("name")
    entity = next((e for e in parse.get("entities", []) if e.get("entity") == "procedure"), None)
    if entity is None:
        return Outcome("none")
    if intent in answer_intents:
        return outcome(entity)
    if intent == "out_of_scope" and not entity.get("candidates"):
        # A procedure the words name surely is answered, not taken for out of scope (actions/out_of_scope.py).
        if float(entity.get("confidence_entity") or 0.0) >= SURELY:
            return outcome(entity)
    if intent == "nlu_fallback":  # the fallback asks whether this procedure was meant
        return Outcome("clarify", None, (entity["value"],))
    return Outcome("none")


def load_nlu(model: Path, url: str):
    """The trained NLU reading the evaluation's catalogue, as the Rasa server runs it."""
    import logging
    import os

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    from bot import patches

    os.environ["DATABASE_URL"] = url  # the linker and the aspect detector read the store of the settings
    configure_structlog(logging.WARNING)
    patches.install()
    return Agent.load(str(model))


def nlu_misses(queries: list[dict], parses: list[dict], answer_intents: frozenset[str]) -> list[str]:
    """The development set's queries the NLU path gets wrong: the intent, its confidence, what it does."""
    lines = []
    for query, parse in zip(queries, parses):
        result = nlu_outcome(parse, answer_intents)
        expected = set(query["expected_codes"])
        if (not expected and result.kind != "answer") or (result.kind == "answer" and result.code in expected):
            continue
        intent = parse.get("intent") or {}
        entity = next((e for e in parse.get("entities", []) if e.get("entity") == "procedure"), None)
        linked = f"{entity['value']} {float(entity.get('confidence_entity') or 0):.2f}" if entity else "none linked"
        lines.append(
            f"  nlu miss [{row_of(query)}] {query['query']!r} -> {intent.get('name')} "
            f"{float(intent.get('confidence') or 0):.2f}, {linked}: {result.kind} {result.code or ''}"
            f"{' ' + ','.join(result.choices) if result.choices else ''} expected {sorted(expected)}"
        )
    return lines


def print_nlu(queries: list[dict], parses: list[dict], local: set[str], show_misses: bool = False) -> None:
    from bot.components.aspect_detector import ANSWER_INTENTS

    inside = [(q, p) for q, p in zip(queries, parses) if q["expected_codes"]]
    intents = Counter((p.get("intent") or {}).get("name") for _, p in inside)
    procedure_questions = sum(n for name, n in intents.items() if name in ANSWER_INTENTS)
    table = score(queries, [nlu_outcome(p, ANSWER_INTENTS) for p in parses], local)
    top1, handled, wrong_out, wrong_national = summary(table)
    print("  through the trained NLU (a first message, no context):")
    print(
        f"    in-catalogue queries given a procedure-question intent: {procedure_questions / max(len(inside), 1):.3f} "
        f"(others: {', '.join(f'{n} {c}' for n, c in intents.most_common() if n not in ANSWER_INTENTS) or 'none'})"
    )
    verdict = "met" if top1 >= TARGET_TOP1 and wrong_out <= TARGET_WRONG_OUT else "NOT met"
    wrong_in = sum(row["wrong"] for kind, row in table.items() if kind != OUT)
    print(
        f"    top-1 in catalogue {top1:.3f}, answered or asked {handled:.3f}, another procedure answered {wrong_in}, "
        f"wrong out of catalogue {wrong_out:.1%} ({wrong_national:.1%} national only): {verdict}"
    )
    if show_misses:
        print("\n".join(nlu_misses(queries, parses, ANSWER_INTENTS)))


# The routing of messages the classifier cannot place (bot/components/aspect_detector.py): the link
# score from which a procedure counts as named, tried on the development sets by --routing-sweep.
NAMED_SETTINGS = (0.7, 0.75, 0.8, 0.85, 0.9)


def routing_sweep(agent, queries: list[dict], local: set[str]) -> None:
    """The NLU path's figures with the detector's NAMED_CONFIDENCE moved."""
    import asyncio

    from bot.components import aspect_detector as detector

    configured = detector.NAMED_CONFIDENCE
    print("  routing of unplaced messages through the NLU (a procedure linked from this score counts as named):")
    print(f"    {'named from':12} {'top-1':>7} {'wrong in':>9} {'wrong out':>10} {'national':>9}")
    try:
        for named in NAMED_SETTINGS:
            detector.NAMED_CONFIDENCE = named

            async def parse_all() -> list[dict]:
                return [await agent.parse_message(q["query"]) for q in queries]

            table = score(queries, [nlu_outcome(p, detector.ANSWER_INTENTS) for p in asyncio.run(parse_all())], local)
            top1, _, wrong_out, wrong_national = summary(table)
            wrong_in = sum(row["wrong"] for kind, row in table.items() if kind != OUT)
            mark = " <- configured" if named == configured else ""
            print(f"    {named:<12} {top1:7.3f} {wrong_in:9d} {wrong_out:10.1%} {wrong_national:9.1%}{mark}")
    finally:
        detector.NAMED_CONFIDENCE = configured


def summary(table: dict[str, Counter]) -> tuple[float, float, float, float]:
    """(top-1 in catalogue, share of in-catalogue queries answered or asked, wrong out of catalogue,
    the same counting only procedures that have a national record)."""
    inside = Counter()
    for kind, row in table.items():
        if kind != OUT:
            inside.update(row)
    out = table.get(OUT, Counter())
    top1 = inside["right"] / inside["n"] if inside["n"] else 0.0
    handled = (inside["right"] + inside["wrong"] + inside["clarify_right"] + inside["clarify_other"]) / max(
        inside["n"], 1
    )
    wrong_out = out["wrong"] / out["n"] if out["n"] else 0.0
    wrong_national = (out["wrong"] - out["wrong_local"]) / out["n"] if out["n"] else 0.0
    return top1, handled, wrong_out, wrong_national


def print_table(table: dict[str, Counter]) -> None:
    print(
        f"  {'kind':20} {'n':>4} {'top-1':>7} {'asked, right among':>19} {'asked, other':>13} "
        f"{'wrong':>6} {'said none':>10}"
    )
    total = Counter()
    for kind in sorted(table, key=lambda k: (k == OUT, k)):
        row = table[kind]
        if kind != OUT:
            total.update(row)
            print(
                f"  {kind:20} {row['n']:4d} {row['right'] / row['n']:7.3f} {row['clarify_right']:19d} "
                f"{row['clarify_other']:13d} {row['wrong']:6d} {row['none']:10d}"
            )
    if total["n"]:
        print(
            f"  {'in catalogue, all':20} {total['n']:4d} {total['right'] / total['n']:7.3f} "
            f"{total['clarify_right']:19d} {total['clarify_other']:13d} {total['wrong']:6d} {total['none']:10d}"
        )
    out = table.get(OUT)
    if out:
        print(
            f"  {OUT:20} {out['n']:4d}  answered with a procedure (wrong): {out['wrong']} "
            f"({out['wrong'] / out['n']:.1%}; {out['wrong_local']} of them a seed procedure without a "
            f"national record), asked: {out['clarify']}, said not in the catalogue: {out['none']}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", type=Path, default=NATIONAL, help="the national portal pages")
    parser.add_argument("--sets", nargs="*", default=[name for name, _ in SETS], help="dev, dev2, dev3, fresh")
    parser.add_argument(
        "--show-dev-errors", action="store_true", help="list the development set's misses (search, and through the NLU)"
    )
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "assistant.tar.gz", help="the trained model")
    parser.add_argument("--no-nlu", action="store_true", help="skip the queries through the trained NLU")
    parser.add_argument(
        "--routing-sweep",
        action="store_true",
        help="the development sets through the NLU with the routing threshold moved",
    )
    args = parser.parse_args(argv)

    if not args.national.exists():
        print(f"catalogue eval skipped: no national catalogue at {args.national} (see tests/catalogue_eval/README.md)")
        return 0

    from bot.components.procedure_linker import link
    from core.ranking import Thresholds
    from core.text import normalize
    from procedures_db.catalogue import folk_aliases
    from procedures_db.db import session_scope
    from services.catalogue import catalogue_index

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/catalogue_eval.db"
        build_catalogue(url, args.national)
        with session_scope(url) as session:
            index = catalogue_index(session)
        codes = {e.code for e in index.entries}
        local = {c for c in codes if not c[:1].isdigit()}
        aliases = folk_aliases()
        used = sum(1 for code in aliases if code in codes)
        print(
            f"index: {len(index)} procedures, {len(index.phrase_tokens)} names and aliases; "
            f"alias file: {used} of {len(aliases)} codes in the catalogue"
        )
        defaults = Thresholds()
        agent = None
        if not args.no_nlu:
            if args.model.is_file():
                agent = load_nlu(args.model, url)
            else:
                print(f"NLU part skipped: no trained model at {args.model} (make train)")
        for name, path in SETS:
            if name not in args.sets:
                continue
            if not path.exists():
                print(f"\n== {name}: {path.relative_to(ROOT)} absent, skipped")
                continue
            queries = load_queries(path)
            results, latencies, cpu = [], [], []
            for query in queries:
                index.search(normalize(query["query"]), limit=5)  # warm: latency is measured on the second pass
            for query in queries:
                started, started_cpu = time.perf_counter(), time.thread_time()
                results.append(index.search(normalize(query["query"]), limit=5))
                latencies.append((time.perf_counter() - started) * 1000)
                cpu.append((time.thread_time() - started_cpu) * 1000)
            outcomes = [outcome(link(r, defaults)) for r in results]
            table = score(queries, outcomes, local)
            top1, handled, wrong_out, wrong_national = summary(table)
            print(f"\n== {name}: {path.relative_to(ROOT)} ({len(queries)} queries)")
            print_table(table)
            verdict = "met" if top1 >= TARGET_TOP1 and wrong_out <= TARGET_WRONG_OUT else "NOT met"
            print(
                f"  top-1 in catalogue {top1:.3f} (target {TARGET_TOP1}), wrong out of catalogue {wrong_out:.1%} "
                f"({wrong_national:.1%} without the seed's procedures that have no national record; "
                f"target <= {TARGET_WRONG_OUT:.0%}): {verdict}"
            )
            print("  in-catalogue misses by what went wrong:")
            for category, count in sorted(miss_categories(queries, outcomes, results).items(), key=lambda c: -c[1]):
                print(f"    {category:50} {count:4d}")
            cuts, cpu_cuts = statistics.quantiles(latencies, n=20), statistics.quantiles(cpu, n=20)
            print(
                f"  search latency (normalise + search, warm): p50 {statistics.median(latencies):.2f} ms, "
                f"p95 {cuts[18]:.2f} ms wall, {cpu_cuts[18]:.2f} ms CPU of the searching thread"
            )
            print("  calibration (one threshold moved, the others as configured; wrong out: all / national only):")
            print(
                f"    {'threshold':24} {'answered or asked':>18} {'top-1':>7} {'wrong in':>9} {'wrong out':>10} "
                f"{'national':>9}"
            )
            for field, values in (
                ("min_score", (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8)),
                ("min_recall", (0.3, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8)),
                ("min_precision", (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)),
            ):
                for value in values:
                    moved = replace(defaults, **{field: value})
                    t = score(queries, [outcome(link(r, moved)) for r in results], local)
                    t1, share, wo, wn = summary(t)
                    wrong_in = sum(row["wrong"] for kind, row in t.items() if kind != OUT)
                    mark = " <- configured" if getattr(defaults, field) == value else ""
                    print(
                        f"    {field + ' ' + str(value):24} {share:18.3f} {t1:7.3f} {wrong_in:9d} {wo:10.1%} "
                        f"{wn:9.1%}{mark}"
                    )
            if agent is not None:
                import asyncio

                async def parse_all() -> list[dict]:
                    return [await agent.parse_message(q["query"]) for q in queries]

                print_nlu(queries, asyncio.run(parse_all()), local, name in DEVELOPMENT and args.show_dev_errors)
                if args.routing_sweep and name in DEVELOPMENT:
                    routing_sweep(agent, queries, local)
            if name in DEVELOPMENT and args.show_dev_errors:
                for query, result in zip(queries, outcomes):
                    expected = set(query["expected_codes"])
                    good = (not expected and result.kind != "answer") or (
                        result.kind == "answer" and result.code in expected
                    )
                    if not good:
                        print(f"  miss [{row_of(query)}] {query['query']!r} -> {result} expected {sorted(expected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
