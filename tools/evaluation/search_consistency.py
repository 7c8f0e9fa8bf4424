"""Catalogue search measured without hand labels: unaccented typing and self-retrieval.

Two checks on the full catalogue (the national portal pages plus the seed, loaded as
tools/evaluation/catalogue_eval.py loads them), neither needing a new labelled query:

1. Accent consistency: every in-catalogue query of the development sets that carries
   diacritics (tests/catalogue_eval/queries_dev.jsonl, and queries_dev2.jsonl when present)
   is searched again with its diacritics stripped (đ -> d). The decision (answer which
   procedure / ask between which / none) should not change: a citizen typing on a phone
   without a Vietnamese keyboard means the same thing. Reported: the agreement, the top-1 of
   both forms, and the disagreements. The out-of-catalogue queries are stripped too: a folded
   question must not be answered with a procedure either.
2. Self-retrieval: each national procedure's name (without "Thủ tục"), stripped of
   diacritics, and its first ``--short`` syllables, must find that procedure: answered, or
   among the choices of a clarification question. A procedure published twice under the same
   name (at two levels) counts as found when the other is answered. Reported per ministry.

The held-out sets are never read. Usage::

    PYTHONPATH=. .venv/bin/python -m tools.evaluation.search_consistency [--sets dev dev2] [--db FILE]

``--db FILE`` keeps the imported catalogue between runs (built when the file is absent).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = ROOT / "tests" / "catalogue_eval"
NATIONAL = ROOT.parent / "shared" / "data" / "national"
# Development sets only: the held-out queries_fresh.jsonl is never read here.
DEV_SETS = {"dev": EVAL_DIR / "queries_dev.jsonl", "dev2": EVAL_DIR / "queries_dev2.jsonl"}
# First turns of the dialogue development sets that name a procedure (never conversations_fresh).
CONVERSATION_SETS = (
    ROOT / "tests" / "dialogue_eval" / "conversations_dev.jsonl",
    ROOT / "tests" / "dialogue_eval" / "conversations_dev2.jsonl",
)
SHORT_SYLLABLES = 7
FORMS = ("full", "short", "full accented", "short accented")
_PREFIX = re.compile(r"^\s*thủ tục\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Outcome:
    kind: str  # "answer", "clarify" or "none"
    code: str | None = None
    choices: tuple[str, ...] = ()

    def finds(self, codes: set[str]) -> bool:
        return (self.kind == "answer" and self.code in codes) or (
            self.kind == "clarify" and bool(codes & set(self.choices))
        )


def strip_diacritics(text: str) -> str:
    """The text as typed on a keyboard without Vietnamese: case and punctuation kept, đ -> d."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D")


def has_diacritics(text: str) -> bool:
    return strip_diacritics(text) != unicodedata.normalize("NFC", text)


def display_name(name: str) -> str:
    return _PREFIX.sub("", name).strip()


def shortened(name: str, syllables: int = SHORT_SYLLABLES) -> str:
    return " ".join(name.split()[:syllables])


def decide_query(index, text: str, thresholds=None) -> Outcome:
    from core.ranking import Thresholds, decide
    from core.text import normalize

    decision = decide(index.search(normalize(text), limit=5), thresholds or Thresholds())
    if decision.kind == "answer" and decision.best is not None:
        return Outcome("answer", decision.best.code)
    if decision.kind == "clarify":
        return Outcome("clarify", None, tuple(h.code for h in decision.choices))
    return Outcome("none")


def load_queries(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as file:
        return [json.loads(line) for line in file if line.strip()]


def conversation_queries(paths=CONVERSATION_SETS) -> list[dict]:
    """The first message of each development conversation whose checks name the procedure meant."""
    queries = []
    for path in paths:
        if not path.exists():
            continue
        for conversation in load_queries(path):
            turn = conversation["turns"][0]
            codes = [c["code"] for c in turn.get("checks", []) if c.get("type") == "mentions_procedure"]
            if codes:
                queries.append({"query": turn["user"], "expected_codes": codes, "kind": conversation.get("style", "?")})
    return queries


def national_names(folder: Path) -> list[tuple[str, str, str]]:
    """(ministry file, code, name) of every national record."""
    out = []
    for path in sorted(folder.glob("*.jsonl")):
        with open(path, encoding="utf-8") as file:
            for line in file:
                if line.strip():
                    record = json.loads(line)
                    out.append((path.stem, str(record["ma_thu_tuc"]).strip(), str(record["ten_thu_tuc"])))
    return out


def accent_consistency(index, queries: list[dict]) -> dict:
    """Per query with diacritics: its decision accented and stripped."""
    rows = []
    for query in queries:
        if not has_diacritics(query["query"]):
            continue
        expected = set(query["expected_codes"])
        accented = decide_query(index, query["query"])
        plain = decide_query(index, strip_diacritics(query["query"]))
        rows.append((query, expected, accented, plain))
    inside = [r for r in rows if r[1]]
    outside = [r for r in rows if not r[1]]
    return {
        "inside": inside,
        "outside": outside,
        "agree": sum(a == p for _, _, a, p in inside),
        "top1_accented": sum(a.kind == "answer" and a.code in e for _, e, a, _ in inside),
        "top1_plain": sum(p.kind == "answer" and p.code in e for _, e, _, p in inside),
        "wrong_out_accented": sum(a.kind == "answer" for _, _, a, _ in outside),
        "wrong_out_plain": sum(p.kind == "answer" for _, _, _, p in outside),
    }


def self_retrieval(index, records: list[tuple[str, str, str]], syllables: int) -> dict:
    """Per form ("full", "short") and ministry: answered right / asked right / other / none."""
    codes = {e.code for e in index.entries}
    same_name: dict[str, set[str]] = defaultdict(set)
    for entry in index.entries:
        same_name[strip_diacritics(display_name(entry.name)).lower()].add(entry.code)
    name_of = {e.code: strip_diacritics(display_name(e.name)).lower() for e in index.entries}
    table: dict[str, dict[str, Counter]] = {form: defaultdict(Counter) for form in FORMS}
    misses: dict[str, list[tuple[str, str, Outcome]]] = {form: [] for form in FORMS}
    for ministry, code, name in records:
        if code not in codes:
            continue
        plain = strip_diacritics(display_name(name))
        accepted = {code} | same_name.get(plain.lower(), set())
        texts = {
            "full": plain,
            "short": shortened(plain, syllables),
            "full accented": display_name(name),
            "short accented": shortened(display_name(name), syllables),
        }
        for form, text in texts.items():
            found = decide_query(index, text)
            row = table[form][ministry]
            row["n"] += 1
            if found.kind == "answer" and found.code in accepted:
                row["answered"] += 1
            elif found.kind == "clarify" and accepted & set(found.choices):
                row["asked"] += 1
            elif found.kind == "none":
                row["none"] += 1
                misses[form].append((code, text, found))
            elif found.kind == "answer" and name_of.get(found.code or "", "") in strip_diacritics(text).lower():
                row["another named whole"] += 1  # the shortened name is another procedure's whole name
            else:
                row["other"] += 1
                misses[form].append((code, text, found))
    return {"table": table, "misses": misses}


def build_index(db: Path | None, national: Path):
    from procedures_db.db import session_scope
    from services.catalogue import catalogue_index
    from tools.evaluation.catalogue_eval import build_catalogue

    def load(url: str):
        with session_scope(url) as session:
            return catalogue_index(session)

    if db is not None:
        url = f"sqlite:///{db.resolve()}"
        if not db.exists():
            build_catalogue(url, national)
        return load(url)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/consistency.db"
        build_catalogue(url, national)
        return load(url)


def labelled(index, queries: list[dict], local: set[str], show: bool = False) -> dict[str, Counter]:
    """The development set scored as catalogue_eval scores it (top-1; out of catalogue answered)."""
    table: dict[str, Counter] = defaultdict(Counter)
    for query in queries:
        expected = set(query["expected_codes"])
        found = decide_query(index, query["query"])
        if show and not (found.kind == "answer" and found.code in expected) and (expected or found.kind == "answer"):
            print(f"  miss [{query['kind']}] {query['query']!r}: {fmt(found)} expected {sorted(expected)}")
        kind = query.get("style", query["kind"]) if expected else "out_of_catalogue"  # dev2 has a style
        row = table[kind]
        row["n"] += 1
        if found.kind == "answer":
            row["right" if found.code in expected else "wrong"] += 1
            row["wrong_local"] += not expected and found.code in local
        elif found.kind == "clarify":
            row["asked_right" if expected & set(found.choices) else "asked_other"] += 1
        else:
            row["none"] += 1
    return table


def print_labelled(name: str, table: dict[str, Counter]) -> None:
    print(f"\n== {name}: labelled (the chat's decision, no NLU)")
    inside: Counter = Counter()
    for kind in sorted(table, key=lambda k: (k == "out_of_catalogue", k)):
        row = table[kind]
        if kind == "out_of_catalogue":
            print(
                f"  {kind:20} n {row['n']:4d}  answered a procedure {row['wrong']} ({row['wrong'] / row['n']:.1%}; "
                f"national only {(row['wrong'] - row['wrong_local']) / row['n']:.1%}), asked {row['asked_other']}"
            )
            continue
        inside.update(row)
        print(
            f"  {kind:20} n {row['n']:4d}  top-1 {row['right'] / row['n']:.3f}  asked right {row['asked_right']}  "
            f"asked other {row['asked_other']}  wrong {row['wrong']}  none {row['none']}"
        )
    if inside["n"]:
        print(
            f"  {'in catalogue, all':20} n {inside['n']:4d}  top-1 {inside['right'] / inside['n']:.3f}  asked right "
            f"{inside['asked_right']}  asked other {inside['asked_other']}  wrong {inside['wrong']}  none {inside['none']}"
        )


def print_consistency(name: str, result: dict, show: bool) -> None:
    inside, n = result["inside"], max(len(result["inside"]), 1)
    print(f"\n== {name}: accent consistency ({len(inside)} in-catalogue queries with diacritics)")
    print(
        f"  same decision stripped: {result['agree']}/{len(inside)} ({result['agree'] / n:.3f}); "
        f"top-1 accented {result['top1_accented'] / n:.3f}, stripped {result['top1_plain'] / n:.3f}"
    )
    outside = len(result["outside"])
    print(
        f"  out of catalogue ({outside} with diacritics): answered accented {result['wrong_out_accented']}, "
        f"stripped {result['wrong_out_plain']}"
    )
    if show:
        for query, expected, accented, plain in inside + result["outside"]:
            if accented != plain:
                print(
                    f"  differs {query['query']!r}: {fmt(accented)} | stripped {fmt(plain)} expected {sorted(expected)}"
                )


def fmt(outcome: Outcome) -> str:
    if outcome.kind == "answer":
        return f"answer {outcome.code}"
    if outcome.kind == "clarify":
        return "ask " + ",".join(outcome.choices)
    return "none"


def print_self_retrieval(result: dict, syllables: int, show: bool) -> None:
    labels = {
        "full": "whole name, stripped",
        "short": f"first {syllables} syllables, stripped",
        "full accented": "whole name, accented (for comparison)",
        "short accented": f"first {syllables} syllables, accented (for comparison)",
    }
    for form, label in labels.items():
        table = result["table"][form]
        print(f"\n== self-retrieval: {label}")
        print(
            f"  {'ministry':24} {'n':>5} {'found':>7} {'answered':>9} {'asked':>6} {'other':>6} {'none':>5} "
            f"{'another named whole':>20}"
        )
        total: Counter = Counter()
        for ministry in sorted(table):
            row = table[ministry]
            total.update(row)
            print_row(ministry, row)
        print_row("all", total)
        if show:
            for code, text, found in result["misses"][form]:
                print(f"  miss [{form}] {code} {text!r}: {fmt(found)}")


def print_row(label: str, row: Counter) -> None:
    found = (row["answered"] + row["asked"]) / max(row["n"], 1)
    print(
        f"  {label:24} {row['n']:5d} {found:7.3f} {row['answered']:9d} {row['asked']:6d} {row['other']:6d} {row['none']:5d} "
        f"{row['another named whole']:20d}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--national", type=Path, default=NATIONAL, help="the national portal pages")
    parser.add_argument("--sets", nargs="*", default=[*DEV_SETS, "conv"], choices=[*DEV_SETS, "conv"])
    parser.add_argument("--db", type=Path, default=None, help="keep the imported catalogue in this SQLite file")
    parser.add_argument("--short", type=int, default=SHORT_SYLLABLES, help="syllables of the shortened name")
    parser.add_argument("--show", action="store_true", help="list the disagreements and misses")
    parser.add_argument("--no-self", action="store_true", help="skip self-retrieval")
    args = parser.parse_args(argv)
    if not args.national.exists():
        print(f"search consistency skipped: no national catalogue at {args.national}")
        return 0
    index = build_index(args.db, args.national)
    for name in args.sets:
        if name == "conv":
            queries = conversation_queries()
            name = "first turns of the dialogue development sets"
        else:
            path = DEV_SETS[name]
            if not path.exists():
                print(f"\n== {name}: {path.relative_to(ROOT)} absent, skipped")
                continue
            queries = load_queries(path)
        local = {e.code for e in index.entries if not e.code[:1].isdigit()}
        print_labelled(name, labelled(index, queries, local, args.show))
        print_consistency(name, accent_consistency(index, queries), args.show)
    if not args.no_self:
        print_self_retrieval(self_retrieval(index, national_names(args.national), args.short), args.short, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
