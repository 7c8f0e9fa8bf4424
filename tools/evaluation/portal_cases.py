"""How many national document entries carry the case they apply to (issues 15 and 16).

The dialogue answers "which papers do I need" by the citizen's stated case
(services/answering.py ``documents_for_case``): an entry whose ``case`` is empty is shown to
every citizen, and an entry that belongs to another case than the one it was given is
either hidden from the citizen who needs it or shown to the one who does not.

This tool reads every page of ``../shared/data/national`` (never copied into the
repository) and prints:

1. the parsed figures: documents, documents with a ``case``, records with at least one;
2. the case headings the page's documents section prints, found by a crude reading that
   does not use the parser's rules: the documents text is cut at the table header
   ("Tên giấy tờMẫu đơn, tờ khaiSố lượng") and at the count cells ("N bản chính[,M bản
   sao]"); a piece is a heading when it starts (after a list mark: "*", "-", "a)", "1.")
   with "Trường hợp" or "Đối với" and either ends with ":" or stands before a table
   header. Pieces under a "Lưu ý" title are notes, not cases;
3. how many of those headings the parsed documents reflect (some entry's ``case`` holds
   the heading's first words), and the records where one or more is not reflected: those
   where the parser says why (an unknown ``documents…case``: a heading printed among the rows,
   whose own rows the page does not tell) and, with a few codes to look at, the others;
4. the titles of the tables when a record has two tables or more titled (the situations
   the list is split by, "Đăng ký thường trú vào chỗ ở hợp pháp do thuê, mượn, ở nhờ"), and
   how many the parsed documents reflect.

Usage::

    PYTHONPATH=. .venv/bin/python -m tools.evaluation.portal_cases [--national DIR] [--show N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from integrations.portal import clean_text, page_sections, parse_portal_record

ROOT = Path(__file__).resolve().parents[2]
NATIONAL = ROOT.parent / "shared" / "data" / "national"

TABLE_HEADER = "Tên giấy tờMẫu đơn, tờ khaiSố lượng"
_COUNT_CELL = re.compile(r"\d bản chính(?:,\d bản sao)?")
_MARK = re.compile(r"^[\s\-+*•.\uf000-\uf0ff]*(?:\(?(?:[a-zđ]|\d{1,2}(?:\.\d{1,2})*)[.)/]\s*)?\*?\s*")
_HEADING = re.compile(r"^(?:trường hợp|đối với)\b", re.IGNORECASE)
_NOTE_TITLE = re.compile(r"lưu ý|ghi chú", re.IGNORECASE)
# How much of a heading must be found in an entry's case to count as reflected.
KEY_CHARS = 40


def fold(text: str) -> str:
    """Lower case, without diacritics or punctuation, spaces collapsed: "Trường hợp …" → "truong hop …"."""
    text = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn").lower()
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s]", " ", text)).strip()


def documents_text(page: dict) -> str:
    """The page's documents section: cut from the whole page when its headings are all there."""
    sections = page_sections(page["raw_text"]) if isinstance(page.get("raw_text"), str) else None
    return sections["thanh_phan_ho_so"] if sections else clean_text(page.get("thanh_phan_ho_so"))


def table_titles(text: str) -> list[str]:
    """The titles of a documents section's tables when two or more are titled: the text before each table
    header (after the previous table's last count cell), other than an empty one ("--") and a group
    ("* Giấy tờ phải nộp:", "… xuất trình …") or note ("Lưu ý") title. Introductions ("Hồ sơ gồm:")
    are counted too: the parser leaves their entries common on purpose, so they show as not reflected."""
    tables = clean_text(text).split(TABLE_HEADER)
    titles = [tables[0]] + [_COUNT_CELL.split(table)[-1] for table in tables[1:-1]]
    titles = [t.strip() for t in titles if t.strip("-*: \t") and not re.search(r"phải nộp|xuất trình|lưu ý", t, re.I)]
    return titles if len(titles) >= 2 else []


def case_headings(text: str) -> list[str]:
    """The case headings of a documents section, by the crude reading in the module docstring."""
    headings: list[str] = []
    title = ""
    for table in clean_text(text).split(TABLE_HEADER):
        pieces = [p.strip() for p in _COUNT_CELL.split(table)]
        in_notes = bool(_NOTE_TITLE.search(title[:30]))  # the rows of a "Lưu ý" table are notes
        # The last piece of a table is the next table's title (or the page's closing text).
        for index, piece in enumerate(pieces):
            body = _MARK.sub("", piece)
            titles_next = index == len(pieces) - 1
            if in_notes and not titles_next:
                continue
            if _HEADING.match(body) and (body.rstrip().endswith(":") or titles_next):
                headings.append(body)
        title = pieces[-1]
    return headings


def reflected(heading: str, cases: list[str]) -> bool:
    key = fold(heading)[:KEY_CHARS]
    return any(key in case or case[:KEY_CHARS] in fold(heading) for case in cases if case)


def measure(paths: list[Path]) -> dict:
    figures: Counter = Counter()
    missed: list[tuple[str, str]] = []
    for path in paths:
        for line in path.open(encoding="utf-8"):
            if not line.strip():
                continue
            page = json.loads(line)
            parsed = parse_portal_record(page)
            documents = parsed.record.get("documents") or []
            cases = [fold(d.get("case") or "") for d in documents]
            figures["records"] += 1
            figures["documents"] += len(documents)
            figures["documents_with_case"] += sum(1 for c in cases if c)
            figures["records_with_a_case"] += any(cases)
            said = any(u.field.startswith("documents") and ".case" in u.field for u in parsed.unknown)
            section = documents_text(page)
            headings = case_headings(section)
            lost = [h for h in headings if not reflected(h, cases)]
            figures["headings"] += len(headings)
            figures["headings_reflected"] += len(headings) - len(lost)
            figures["records_with_headings"] += bool(headings)
            figures["records_with_a_heading_not_reflected"] += bool(lost)
            figures["records_not_reflected_said_unknown"] += bool(lost) and said
            missed += [(page.get("ma_thu_tuc", "?"), heading[:90]) for heading in lost[:1] if not said]
            titles = table_titles(section)
            figures["titles"] += len(titles)
            figures["titles_reflected"] += sum(1 for t in titles if reflected(_MARK.sub("", t), cases))
            figures["records_with_titles"] += bool(titles)
    return {"figures": dict(figures), "missed": missed}


def report(result: dict, show: int) -> str:
    f = result["figures"]
    share = lambda part, whole: f"{part}/{whole} = {part / whole:.1%}" if whole else f"{part}/0"  # noqa: E731
    lines = [
        f"national records: {f.get('records', 0)}",
        f"documents with a case: {share(f.get('documents_with_case', 0), f.get('documents', 0))}",
        f"records with a case on some document: {share(f.get('records_with_a_case', 0), f.get('records', 0))}",
        f"case headings printed ('Trường hợp …', 'Đối với …' ending ':' or titling a table): {f.get('headings', 0)}"
        f" in {f.get('records_with_headings', 0)} records",
        f"headings reflected by a document's case: {share(f.get('headings_reflected', 0), f.get('headings', 0))}",
        f"records with a heading no document reflects: {f.get('records_with_a_heading_not_reflected', 0)}"
        f" (the parser says why in {f.get('records_not_reflected_said_unknown', 0)}; the others:)",
    ]
    lines += [f"  {code}: {heading}" for code, heading in result["missed"][:show]]
    lines.append(
        f"table titles where two or more tables are titled: {f.get('titles', 0)} in {f.get('records_with_titles', 0)}"
        f" records; reflected by a document's case: {share(f.get('titles_reflected', 0), f.get('titles', 0))}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--national", type=Path, default=NATIONAL, help="directory of the portal's *.jsonl files")
    parser.add_argument("--show", type=int, default=15, help="records with an unreflected heading to list")
    args = parser.parse_args(argv)
    paths = sorted(args.national.glob("*.jsonl")) if args.national.is_dir() else []
    if not paths:
        print(f"no national pages in {args.national}", file=sys.stderr)
        return 2
    print(report(measure(paths), args.show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
