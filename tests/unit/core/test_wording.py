"""Citizen-facing Vietnamese has one home in the code: core/wording.py (fixed replies: bot/domain/*.yml).

Every module of the project is parsed (not imported) and each string literal
that looks like a Vietnamese sentence (a letter with a Vietnamese diacritic or
"đ", and more than three words) must be in core/wording.py, unless it is one of
the exceptions listed below. A new reply written in place makes this fail: move
it to core/wording.py and import it.
"""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

import pytest

from core import wording

ROOT = Path(__file__).resolve().parents[3]
# The production layers (tests and tools/ may hold Vietnamese freely; bot/web/ is not Python and
# bot/domain/*.yml is the domain's own home of fixed replies).
LAYERS = ("core", "procedures_db", "services", "integrations", "webapp", "bot", "actions")
HOME = "core/wording.py"
MIN_WORDS = 4

# Modules whose Vietnamese is not said to citizens, each with the reason.
ALLOWED_MODULES: dict[str, str] = {
    "core/text.py": "the NLU's and search's lexicons: abbreviations, multi-syllable words",
    "core/vocabulary.py": "names of intents, aspects and slots only",
    "core/redaction.py": "patterns and word lists that find personal data in what citizens type",
    "integrations/portal.py": "the national portal's own labels and legal phrases, read from its pages",
    "procedures_db/__main__.py": "the operator's command line (bilingual errors on stderr)",
}
# Calls whose string arguments are not citizen-facing: regular expressions (what citizens type, not
# what they are told) and log records (for operators).
PATTERN_CALLS = frozenset({"compile", "match", "search", "fullmatch", "sub", "findall", "finditer", "split"})
LOG_RECEIVERS = frozenset({"logger", "logging", "log", "_logger", "LOGGER"})


def _vietnamese(text: str) -> bool:
    return any(c in "đĐ" or (ord(c) > 127 and unicodedata.normalize("NFD", c) != c) for c in text)


def _looks_like_a_sentence(text: str) -> bool:
    return _vietnamese(text) and len(text.split()) >= MIN_WORDS


def _exempt_nodes(tree: ast.AST) -> set[int]:
    """The ids of the string nodes that are docstrings, regex patterns or log messages."""
    exempt: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                exempt.add(id(first.value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            receiver = node.func.value
            is_pattern = isinstance(receiver, ast.Name) and receiver.id in ("re", "regex")
            is_pattern = is_pattern and node.func.attr in PATTERN_CALLS
            is_log = isinstance(receiver, ast.Name) and receiver.id in LOG_RECEIVERS
            if is_pattern or is_log:
                for argument in [*node.args, *(keyword.value for keyword in node.keywords)]:
                    exempt.update(id(inner) for inner in ast.walk(argument))
    return exempt


def citizen_facing_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of each string literal in `source` that reads as a Vietnamese sentence."""
    tree = ast.parse(source)
    exempt = _exempt_nodes(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in exempt
        and _looks_like_a_sentence(node.value)
    ]


def _modules() -> list[str]:
    return sorted(path.relative_to(ROOT).as_posix() for layer in LAYERS for path in (ROOT / layer).rglob("*.py"))


def test_citizen_facing_vietnamese_lives_only_in_core_wording():
    found = []
    for module in _modules():
        if module == HOME or module in ALLOWED_MODULES or module.startswith("bot/web/"):
            continue
        for line, text in citizen_facing_literals((ROOT / module).read_text(encoding="utf-8")):
            found.append(f"{module}:{line}: {text[:60]!r}")
    assert found == [], "move these to core/wording.py and import them there"


def test_the_allowed_exceptions_still_exist():
    """An exception for a module that moved or went away must go too, not linger."""
    assert [module for module in ALLOWED_MODULES if not (ROOT / module).is_file()] == []


@pytest.mark.parametrize(
    "source",
    [
        'SLOW_DOWN = "Dạ, anh/chị vui lòng đợi một chút ạ."',
        'reply(f"Dạ, hồ sơ {code} đang được xử lý ạ.")',
        'raise ValueError("Số điện thoại không hợp lệ, vui lòng nhập lại")',
    ],
)
def test_a_reply_written_in_place_is_found(source):
    assert len(citizen_facing_literals(source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        '"""Dạ, đây là một docstring dài bằng tiếng Việt."""',
        'PATTERN = re.compile(r"(?:số|chọn|lựa chọn|phương án)\\s*(\\d)")',
        'logger.info("không gửi được tin nhắn cho %s", sender)',
        'UNIT = " đồng"',
        'LABEL = "Lệ phí"',
        'TEXT = "Please wait a moment, thank you."',
    ],
)
def test_docstrings_patterns_logs_and_short_labels_are_not_replies(source):
    assert citizen_facing_literals(source) == []


def test_the_home_holds_the_replies_and_no_hard_coded_hotline():
    source = (ROOT / HOME).read_text(encoding="utf-8")
    assert len(citizen_facing_literals(source)) > 20
    # The hotline and the opening hours come from core.settings, filled in by the callers.
    assert "{hotline}" in wording.SERVICE_UNAVAILABLE_REPLY and "{hours}" in wording.HANDOFF_HOURS
    assert not any(ch.isdigit() for ch in "".join(wording.SERVICE_UNAVAILABLE_REPLY.split("{hotline}")))
    assert "1800" not in source and "1096" not in source
