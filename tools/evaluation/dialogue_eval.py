"""``make eval``: whole conversations of the blind dialogue set scored against the running assistant.

Plays tests/dialogue_eval/conversations_fresh.jsonl (written blind for issue 16; its
README defines the check types) through the REST channel of a local stack: the
trained model, the action server and a freshly seeded throwaway catalogue (with
``--national PATH...`` the national portal pages imported into it too; or, with
``--url`` and ``--database``, a stack that is already running). Each conversation has its own sender id; each turn's
reply is every bot message to that message, button titles included for text
checks except line counts. The store (feedback table) is read before and after
each turn for the rating and complaint checks.

Prints the share of conversations fully served (every check of every turn
passes), the pass rate of each check type, per-aspect multi-label precision,
recall and F1 over the turns that carry an ``answers_aspects`` check, and the
share of turns that assert a procedure other than the one asked. ``--failures N``
prints the first N failed turns, for debugging only: the set is held out, so it
must never be trained on, nor its phrasings copied into data/.

The checks read the reply text alone, as the set's README asks: case- and
diacritics-insensitive substring tests, and for the semantic checks (aspects
answered, "not in the catalogue", "out of scope", "do not share ID numbers")
small keyword lists, written here once and applied to every conversation alike.
A reply's lines on a phone are counted by wrapping each text line at
``PHONE_LINE_CHARS`` characters.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import secrets
import sys
import tempfile
import time
import unicodedata
import urllib.parse
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

ROOT = Path(__file__).resolve().parents[2]
CONVERSATIONS = ROOT / "tests" / "dialogue_eval" / "conversations_fresh.jsonl"
RESULTS = ROOT / "results"
MODEL = ROOT / "models" / "assistant.tar.gz"
# A phone chat bubble holds about this many characters of a line (a 6" phone, default font).
PHONE_LINE_CHARS = 45
TURN_TIMEOUT_S = 30


def fold(text: str) -> str:
    """Case- and diacritics-insensitive form: NFD, combining marks dropped, đ→d, lower case."""
    text = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"[ \t]+", " ", text.lower())


def has_any(text: str, values: list[str]) -> bool:
    folded = fold(text)
    return any(fold(value) in folded for value in values)


def has_word(text: str, words: list[str]) -> bool:
    """Whole-word (folded) occurrence of any of ``words``."""
    folded = fold(text)
    return any(re.search(rf"(?<![\w]){re.escape(fold(word))}(?![\w])", folded) for word in words)


# --- what an answer about each aspect says (folded keywords, whole words) -------------------------

ASPECT_WORDS: dict[str, list[str]] = {
    "info": ["co quan giai quyet", "ket qua", "thu tuc", "procedure"],
    "documents": ["giay to", "thanh phan ho so", "ban chinh", "ban sao", "to khai", "documents", "papers"],
    "fee": ["le phi", "phi", "mien phi", "dong", "fee", "fees", "cost", "vnd", "free"],
    "processing_time": [
        "thoi han",
        "thoi gian giai quyet",
        "ngay lam viec",
        "trong ngay",
        "working days",
        "working day",
        "days",
    ],
    "where_to_submit": [
        "noi nop",
        "nop tai",
        "nop ho so tai",
        "co quan giai quyet",
        "bo phan mot cua",
        "truc tiep",
        "where",
        "submit at",
    ],
    "online": ["truc tuyen", "online", "vneid", "dichvucong", "cong dich vu cong"],
    "steps": ["trinh tu", "cac buoc", "buoc", "steps", "step"],
    "legal_basis": ["can cu", "luat", "nghi dinh", "thong tu", "quyet dinh", "legal basis"],
    "forms": ["mau", "to khai", "bieu mau", "form"],
    "conditions": ["dieu kien", "doi tuong", "yeu cau", "conditions", "eligible"],
    "result": ["ket qua", "nhan ket qua", "tra ket qua", "result"],
    "source": ["http", "nguon", "xem chi tiet", "source"],
}

NOT_IN_CATALOGUE = [
    "chua co trong",
    "chua co thu tuc",
    "chua co thong tin ve thu tuc",
    "chua duoc cap nhat",
    "chua tim thay thu tuc",
    "khong co trong co so du lieu",
    "not in the catalogue",
    "not yet in",
    "does not hold",
    "doesn't hold",
]
WHERE_TO_ASK = [
    "mot cua",
    "dichvucong",
    "cong dich vu cong",
    "ubnd",
    "uy ban nhan dan",
    "cong an",
    "co quan",
    "tong dai",
    "hotline",
    "ask at",
    "one-stop",
]
OUT_OF_SCOPE = [
    "chi ho tro ve thu tuc hanh chinh",
    "chi ho tro thu tuc hanh chinh",
    "chi ho tro cac thu tuc hanh chinh",
    "only help with administrative",
    "only helps with administrative",
    "only answer questions about administrative",
]
DO_NOT_SHARE = [
    "khong gui",
    "dung gui",
    "khong nen gui",
    "khong chia se",
    "dung chia se",
    "khong nhap",
    "dung nhap",
    "khong cung cap",
    "do not share",
    "don't share",
    "do not send",
    "don't send",
    "do not type",
]
ID_WORDS = ["so can cuoc", "so cccd", "cccd", "so dinh danh", "cmnd", "can cuoc", "id number", "id card"]
CLARIFY = ["chon giup", "anh/chi chon", "cho em biet", "please choose", "which"]


@dataclass
class Turn:
    user: str
    text: str  # every bot text of the reply, joined by newlines
    buttons: list[str]
    ratings_added: int
    complaints_added: int
    seconds: float
    nlu_aspects: Optional[list[str]] = None  # what the NLU detected in the message (turns checked for aspects)

    @property
    def full(self) -> str:
        return "\n".join([self.text, *self.buttons])


# The NLU's multi-label reading of a message (the parse data's ``aspects``, docs/interfaces.md) in the
# set's aspect names; a message with none counts the aspect of its intent. "decision" (the publishing
# decision) has no aspect of its own in the set and is left out.
DETECTED_ASPECTS = {
    "documents": "documents",
    "need": "documents",
    "fee": "fee",
    "time": "processing_time",
    "where": "where_to_submit",
    "steps": "steps",
    "online": "online",
    "result": "result",
    "pickup": "result",
    "legal_basis": "legal_basis",
    "forms": "forms",
    "source": "source",
    "eligibility": "conditions",
}
INTENT_ASPECTS = {
    "ask_procedure_info": "info",
    "ask_documents": "documents",
    "ask_fee": "fee",
    "ask_processing_time": "processing_time",
    "ask_where_to_submit": "where_to_submit",
    "ask_online": "online",
    "ask_steps": "steps",
}


def nlu_aspects(parse: dict) -> list[str]:
    """The aspects the NLU found in a message, in the order asked, in the set's names."""
    found: list[str] = []
    for item in parse.get("aspects") or []:
        aspect = DETECTED_ASPECTS.get(item.get("value"))
        if aspect and aspect not in found:
            found.append(aspect)
    if not found and (parse.get("intent") or {}).get("name") in INTENT_ASPECTS:
        found.append(INTENT_ASPECTS[parse["intent"]["name"]])
    return found


def phone_lines(text: str) -> int:
    return sum(max(1, math.ceil(len(line) / PHONE_LINE_CHARS)) for line in text.splitlines() if line.strip())


def answered_aspects(text: str) -> dict[str, int]:
    """Aspect → position of its first keyword in the reply (only the aspects found)."""
    folded = fold(text)
    found = {}
    for aspect, words in ASPECT_WORDS.items():
        positions = [
            match.start()
            for word in words
            for match in [re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", folded)]
            if match
        ]
        if positions:
            found[aspect] = min(positions)
    return found


class Catalogue:
    """Codes and names of the catalogue the stack answers from (for "another procedure")."""

    def __init__(
        self,
        procedures: list[tuple[str, str]],
        loaded: Optional[dict[str, str]] = None,
        seed: Optional[dict[str, str]] = None,
    ):
        self.names = {code: name for code, name in procedures}
        # Folded whole records by code: as the stack loaded them, and as the seed (the set's facts) has them.
        self.loaded = loaded or {}
        self.seed = seed or {}
        self._code_pattern = re.compile(
            r"(?<![\w.-])(" + "|".join(re.escape(c) for c in sorted(self.names, key=len, reverse=True)) + r")(?![\w-])"
        )

    def asserted_codes(self, text: str) -> set[str]:
        """Procedure codes the reply's text (not its buttons) states: answer cards name their code."""
        found = set(self._code_pattern.findall(text)) if self.names else set()
        folded = fold(text)
        for quoted in re.findall(r'"([^"]{4,200})"', folded):
            for code, name in self.names.items():
                if fold(name) == quoted.strip():
                    found.add(code)
        return found

    def record_lacks(self, check: dict, codes: set[str]) -> bool:
        """A fact check the loaded record cannot pass: its fact is in the seed record of the one procedure the
        turn is about, and in no words of that procedure's loaded record (the national page says otherwise)."""
        if check["type"] != "contains_any" or len(codes) != 1:
            return False
        code = next(iter(codes))
        if code not in self.loaded or code not in self.seed:
            return False
        values = [fold(v) for v in check["values"]]
        return any(v in self.seed[code] for v in values) and not any(v in self.loaded[code] for v in values)


def check_passes(check: dict, turn: Turn, catalogue: Catalogue) -> bool:
    kind = check["type"]
    if kind == "mentions_procedure":
        return check["code"] in turn.text or has_any(turn.text, [check["name"]])
    if kind == "not_other_procedure":
        asserted = catalogue.asserted_codes(turn.text)
        same_name = {c for c in asserted if fold(catalogue.names.get(c, "")) == fold(check["name"])}
        return not (asserted - {check["code"]} - same_name)
    if kind == "answers_aspects":
        found = answered_aspects(turn.text)
        wanted = check["aspects"]
        if any(aspect not in found for aspect in wanted):
            return False
        positions = [found[aspect] for aspect in wanted]
        return not check.get("in_order") or positions == sorted(positions)
    if kind == "contains_any":
        return has_any(turn.full, check["values"])
    if kind == "contains_none":
        return not has_any(turn.full, check["values"])
    if kind == "says_not_in_catalogue":
        return has_any(turn.text, NOT_IN_CATALOGUE) and has_any(turn.text, WHERE_TO_ASK)
    if kind == "says_out_of_scope":
        return has_any(turn.text, OUT_OF_SCOPE)
    if kind == "asks_clarification":
        return "?" in turn.text or has_any(turn.text, CLARIFY)
    if kind == "records_complaint":
        return turn.complaints_added > 0 and turn.ratings_added == 0
    if kind == "no_rating_recorded":
        return turn.ratings_added == 0
    if kind == "warns_not_to_share_id":
        return has_any(turn.text, DO_NOT_SHARE) and has_any(turn.text, ID_WORDS)
    if kind == "keeps_answering":
        return bool(turn.text.strip() or turn.buttons)
    if kind == "max_lines":
        return phone_lines(turn.text) <= int(check["value"])
    raise ValueError(f"unknown check type {kind!r}")


# --- talking to the assistant -------------------------------------------------------------------


class Store:
    """Ratings and complaints stored for a sender, read from the stack's database."""

    def __init__(self, database: str | None):
        self.database = database

    def counts(self, sender: str) -> tuple[int, int]:
        if not self.database:
            return 0, 0
        from sqlalchemy import func, or_, select

        from procedures_db.db import session_scope
        from procedures_db.models import Feedback

        # The channel may prefix the sender id with its name ("rest:...").
        mine = or_(Feedback.sender_id == sender, Feedback.sender_id.like(f"%:{sender}"))
        with session_scope(self.database) as session:
            ratings = session.scalar(select(func.count(Feedback.id)).where(mine, Feedback.rating.is_not(None)))
            complaints = session.scalar(select(func.count(Feedback.id)).where(mine, Feedback.about == "complaint"))
        return int(ratings or 0), int(complaints or 0)

    def catalogue(self, cited: set[str] = frozenset()) -> Catalogue:
        """The stack's catalogue, with the whole records of the ``cited`` procedures as loaded and as seeded."""
        seed_rows = _seed_rows()
        seed = {row["code"]: _folded_record(row) for row in seed_rows if row["code"] in cited}
        if not self.database:
            return Catalogue([(row["code"], row["name"]) for row in seed_rows], loaded=seed, seed=seed)
        from sqlalchemy import select

        from procedures_db.db import session_scope
        from procedures_db.models import Procedure
        from services.catalogue import get_procedure_record

        with session_scope(self.database) as session:
            names = [(code, name) for code, name in session.execute(select(Procedure.code, Procedure.name))]
            loaded = {code: _folded_record(get_procedure_record(session, code) or {}) for code in cited}
        return Catalogue(names, loaded=loaded, seed=seed)


def _seed_rows() -> list[dict]:
    path = ROOT / "procedures_db" / "seed" / "procedures.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _folded_record(record: dict) -> str:
    return fold(json.dumps(record, ensure_ascii=False, default=str))


async def play(url: str, conversation: dict, store: Store, parse_url: Optional[str] = None) -> list[Turn]:
    """The conversation's turns through the REST channel; with ``parse_url`` (Rasa's ``/model/parse``),
    the messages checked for aspects are also parsed alone, for the NLU's multi-label figures."""
    import aiohttp

    sender = f"dialogue-eval-{conversation['id']}-{uuid.uuid4().hex[:8]}"
    turns = []
    timeout = aiohttp.ClientTimeout(total=TURN_TIMEOUT_S)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        for spec in conversation["turns"]:
            before = store.counts(sender)
            started = time.monotonic()
            async with http.post(url, json={"sender": sender, "message": spec["user"]}) as response:
                messages = await response.json() if response.status == 200 else []
            seconds = time.monotonic() - started
            after = store.counts(sender)
            detected = None
            if parse_url and any(c["type"] == "answers_aspects" for c in spec["checks"]):
                async with http.post(parse_url, json={"text": spec["user"]}) as response:
                    detected = nlu_aspects(await response.json()) if response.status == 200 else []
            texts = [m["text"] for m in messages if m.get("text")]
            buttons = [b.get("title", "") for m in messages for b in m.get("buttons") or []]
            turns.append(
                Turn(
                    user=spec["user"],
                    text="\n".join(texts),
                    buttons=buttons,
                    ratings_added=after[0] - before[0],
                    complaints_added=after[1] - before[1],
                    seconds=seconds,
                    nlu_aspects=detected,
                )
            )
    return turns


# --- figures ------------------------------------------------------------------------------------


@dataclass
class Report:
    conversations: int = 0
    served: int = 0
    served_but_length: int = 0  # every check passes except max_lines
    checks: Counter = field(default_factory=Counter)
    passed: Counter = field(default_factory=Counter)
    by_point: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    by_style: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    aspect_counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    nlu_aspect_counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    nlu_exact: list[int] = field(default_factory=lambda: [0, 0])  # messages whose aspects were all found in order
    other_turns: int = 0
    other_failed: int = 0
    failures: list[tuple[str, int, Turn, list[dict]]] = field(default_factory=list)
    # Failed fact checks whose fact the loaded record does not hold, and conversations failing only on them.
    record_lacks: int = 0
    served_but_record: int = 0
    seconds: list[float] = field(default_factory=list)

    def add(self, conversation: dict, turns: list[Turn], catalogue: Catalogue) -> None:
        ok = True
        ok_but_length = True
        ok_but_record = True
        for index, (spec, turn) in enumerate(zip(conversation["turns"], turns)):
            self.seconds.append(turn.seconds)
            failed = []
            about = {c["code"] for c in spec["checks"] if c["type"] in ("mentions_procedure", "not_other_procedure")}
            for check in spec["checks"]:
                passes = check_passes(check, turn, catalogue)
                self.checks[check["type"]] += 1
                self.passed[check["type"]] += passes
                if not passes:
                    failed.append(check)
                if check["type"] == "not_other_procedure":
                    self.other_turns += 1
                    self.other_failed += not passes
                if check["type"] == "answers_aspects":
                    gold, found = set(check["aspects"]), set(answered_aspects(turn.text))
                    _count(self.aspect_counts, gold, found)
                    if turn.nlu_aspects is not None:
                        _count(self.nlu_aspect_counts, gold, set(turn.nlu_aspects))
                        in_order = [a for a in turn.nlu_aspects if a in gold] == check["aspects"]
                        self.nlu_exact[0] += set(turn.nlu_aspects) == gold and (in_order or not check.get("in_order"))
                        self.nlu_exact[1] += 1
            if failed:
                ok = False
                self.failures.append((conversation["id"], index, turn, failed))
            if any(check["type"] != "max_lines" for check in failed):
                ok_but_length = False
            lacking = [check for check in failed if catalogue.record_lacks(check, about)]
            self.record_lacks += len(lacking)
            if len(lacking) < len(failed):
                ok_but_record = False
        self.conversations += 1
        self.served += ok
        self.served_but_length += ok_but_length
        self.served_but_record += ok_but_record
        for point in conversation["points"]:
            self.by_point[point][0] += ok
            self.by_point[point][1] += 1
        style = "english" if conversation.get("lang") == "en" else conversation["style"]
        self.by_style[style][0] += ok
        self.by_style[style][1] += 1

    def figures(self) -> dict[str, Any]:
        aspects = _scores(self.aspect_counts)
        nlu = _scores(self.nlu_aspect_counts)
        ordered = sorted(self.seconds)
        return {
            "conversations": self.conversations,
            "fully_served": self.served,
            "fully_served_share": round(self.served / self.conversations, 3) if self.conversations else 0.0,
            "served_but_length": self.served_but_length,
            "record_lacks": self.record_lacks,
            "served_but_record": self.served_but_record,
            "checks": {k: {"passed": self.passed[k], "total": n} for k, n in sorted(self.checks.items())},
            "by_point": {k: {"served": v[0], "total": v[1]} for k, v in sorted(self.by_point.items())},
            "by_style": {k: {"served": v[0], "total": v[1]} for k, v in sorted(self.by_style.items())},
            "aspects": aspects,
            "aspect_macro_f1": _macro_f1(aspects),
            "nlu_aspects": nlu,
            "nlu_aspect_macro_f1": _macro_f1(nlu),
            "nlu_aspects_exact": {"messages": self.nlu_exact[0], "total": self.nlu_exact[1]},
            "other_procedure_turns": self.other_failed,
            "other_procedure_checked_turns": self.other_turns,
            "other_procedure_share": round(self.other_failed / self.other_turns, 4) if self.other_turns else 0.0,
            "turn_p50_ms": round(1000 * ordered[len(ordered) // 2]) if ordered else None,
        }


def _count(counts: dict[str, Counter], gold: set[str], found: set[str]) -> None:
    for aspect in gold | found:
        counts[aspect]["tp"] += aspect in gold and aspect in found
        counts[aspect]["fp"] += aspect not in gold and aspect in found
        counts[aspect]["fn"] += aspect in gold and aspect not in found


def _scores(counts: dict[str, Counter]) -> dict[str, dict]:
    """Precision, recall and F1 of each aspect the set asks about."""
    scores = {}
    for aspect, c in counts.items():
        if c["tp"] + c["fn"] == 0:
            continue
        precision = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        recall = c["tp"] / (c["tp"] + c["fn"])
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[aspect] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
            "support": c["tp"] + c["fn"],
        }
    return scores


def _macro_f1(scores: dict[str, dict]) -> Optional[float]:
    return round(sum(a["f1"] for a in scores.values()) / len(scores), 3) if scores else None


def print_figures(figures: dict, label: str, out: Callable[[str], None] = print) -> None:
    out(f"== dialogue set {label}: {figures['conversations']} conversations ==")
    out(
        f"fully served: {figures['fully_served']}/{figures['conversations']} = {figures['fully_served_share']:.3f}"
        "  (target >= 0.90)"
    )
    out(f"served but for max_lines (phone length): {figures['served_but_length']}/{figures['conversations']}")
    if figures["record_lacks"]:
        out(
            f"failed fact checks whose fact the loaded record does not hold (it says otherwise than the seed the"
            f" set was written from): {figures['record_lacks']}; served but for those:"
            f" {figures['served_but_record']}/{figures['conversations']}"
        )
    out("per check type (passed/total):")
    for kind, c in figures["checks"].items():
        out(f"  {kind:<22} {c['passed']:>4}/{c['total']:<4} {c['passed'] / c['total']:.3f}")
    out("fully served per issue point:")
    for point, c in figures["by_point"].items():
        out(f"  {point:<28} {c['served']:>3}/{c['total']:<3}")
    out(
        "fully served per style: "
        + ", ".join(f"{k} {v['served']}/{v['total']}" for k, v in figures["by_style"].items())
    )
    out("per-aspect multi-label scores (turns with an answers_aspects check):")
    for aspect, a in sorted(figures["aspects"].items()):
        out(f"  {aspect:<16} P {a['precision']:.3f}  R {a['recall']:.3f}  F1 {a['f1']:.3f}  (n={a['support']})")
    out(f"  macro-F1 {figures['aspect_macro_f1']}")
    if figures["nlu_aspects_exact"]["total"]:
        out("the NLU's multi-label aspects of the same messages (parse data 'aspects', else the intent's):")
        for aspect, a in sorted(figures["nlu_aspects"].items()):
            out(f"  {aspect:<16} P {a['precision']:.3f}  R {a['recall']:.3f}  F1 {a['f1']:.3f}  (n={a['support']})")
        exact = figures["nlu_aspects_exact"]
        out(
            f"  macro-F1 {figures['nlu_aspect_macro_f1']}; every aspect found, none extra (in order where asked):"
            f" {exact['messages']}/{exact['total']}"
        )
    out(
        f"turns asserting another procedure: {figures['other_procedure_turns']}/{figures['other_procedure_checked_turns']}"
        f" = {figures['other_procedure_share']:.2%}  (target <= 1%)"
    )
    out(f"turn latency p50: {figures['turn_p50_ms']} ms")


def print_failures(report: Report, limit: int) -> None:
    for conv_id, index, turn, failed in report.failures[:limit]:
        print(f"--- {conv_id} turn {index + 1}: {turn.user}")
        print("    reply: " + turn.full.replace("\n", "\n           ")[:900])
        for check in failed:
            print("    FAILED " + json.dumps(check, ensure_ascii=False)[:200])


# --- the stack ----------------------------------------------------------------------------------


def seeded_stack_env(workdir: Path, national: list[str] | None = None) -> dict:
    from integrations.seed import seed_demo_dossiers, seed_if_empty
    from procedures_db.db import session_scope
    from tests.support import free_port
    from tools.stack import service_environment

    # A throwaway database: seeding and the stack share this process's throwaway secrets.
    os.environ["PHONE_HASH_KEY"] = secrets.token_hex(32)
    os.environ.setdefault("DOSSIER_API_TOKEN", secrets.token_urlsafe(32))
    database = f"sqlite:///{workdir / 'assistant.db'}"
    with session_scope(database) as session:
        seed_if_empty(session)
        seed_demo_dossiers(session)
    if national:
        from integrations.portal_import import import_portal

        with session_scope(database) as session:
            print(import_portal(session, [Path(p) for p in national]).summary(), file=sys.stderr)
    env = service_environment()
    env.update(
        {
            "RASA_PORT": str(free_port()),
            "ACTION_PORT": str(free_port()),
            "API_PORT": str(free_port()),
            "DATABASE_URL": database,
            "TRACKER_DB": str(workdir / "tracker.db"),
            "RATE_LIMIT_ENABLED": "false",
        }
    )
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{env['ACTION_PORT']}/webhook"
    return env


def run(conversations: list[dict], url: str, store: Store, concurrency: int, parse_url: Optional[str] = None) -> Report:
    cited = {
        check["code"]
        for conversation in conversations
        for spec in conversation["turns"]
        for check in spec["checks"]
        if check["type"] in ("mentions_procedure", "not_other_procedure")
    }
    catalogue = store.catalogue(cited)
    report = Report()

    async def main() -> list[list[Turn]]:
        gate = asyncio.Semaphore(concurrency)

        async def one(conversation: dict) -> list[Turn]:
            async with gate:
                return await play(url, conversation, store, parse_url)

        return await asyncio.gather(*(one(c) for c in conversations))

    for conversation, turns in zip(conversations, asyncio.run(main())):
        report.add(conversation, turns, catalogue)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=CONVERSATIONS, help="conversations (.jsonl)")
    parser.add_argument("--model", type=Path, default=MODEL)
    parser.add_argument("--url", help="REST webhook of a running stack (else a throwaway stack is started)")
    parser.add_argument("--database", help="that stack's DATABASE_URL, for the rating/complaint checks")
    parser.add_argument(
        "--national",
        nargs="*",
        metavar="PATH",
        help="also import these national portal pages (files or folders) into the throwaway catalogue",
    )
    parser.add_argument("--label", default="", help="name printed with the figures (e.g. 'national catalogue')")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--failures", type=int, default=0, help="print the first N failed turns")
    parser.add_argument("--only", help="comma-separated conversation ids")
    args = parser.parse_args(argv)

    conversations = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.only:
        wanted = set(args.only.split(","))
        conversations = [c for c in conversations if c["id"] in wanted]
    label = args.label or f"{args.set.relative_to(ROOT) if args.set.is_relative_to(ROOT) else args.set}"
    if args.national and not args.label:
        label += ", national catalogue loaded"

    if args.url:
        token = os.environ.get("RASA_AUTH_TOKEN", "")
        parse_url = f"{args.url.split('/webhooks/')[0]}/model/parse?token={urllib.parse.quote(token, safe='')}"
        report = run(conversations, args.url, Store(args.database), args.concurrency, parse_url)
    else:
        from tools.stack import Stack

        workdir = Path(tempfile.mkdtemp(prefix="dialogue-eval-"))
        env = seeded_stack_env(workdir, args.national)
        with open(workdir / "stack.log", "w", encoding="utf-8") as log:
            stack = Stack(env=env, model=str(args.model), log=log)
            stack.start()
            try:
                if not stack.wait_healthy(timeout=300):
                    print(f"the stack did not start; log: {workdir / 'stack.log'}", file=sys.stderr)
                    return 1
                url = f"http://127.0.0.1:{env['RASA_PORT']}/webhooks/rest/webhook"
                token = urllib.parse.quote(env["RASA_AUTH_TOKEN"], safe="")
                parse_url = f"http://127.0.0.1:{env['RASA_PORT']}/model/parse?token={token}"
                report = run(conversations, url, Store(env["DATABASE_URL"]), args.concurrency, parse_url)
            finally:
                stack.stop()
    figures = report.figures()
    print_figures(figures, label)
    if args.failures:
        print_failures(report, args.failures)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "dialogue_eval.json").write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
