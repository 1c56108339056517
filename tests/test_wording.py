"""Counts in messages agree with their nouns and verbs ('1 server', '2 servers', '1 uses'): every
f-string in the package that puts a count right before a word ending in 's' goes through
`registry_mcp.wording` instead. The check reads the source, so it covers every message, including
those no test triggers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import registry_mcp
from registry_mcp.wording import agreeing, counted

PACKAGE = Path(registry_mcp.__file__).parent
# Names that hold counts in this code base.
_COUNT_NAME = re.compile(r"(^|_)(count|counts|total|secrets|kept|added|replaced|taken|noted|unsupplied|n|attempts)$")
_WORD_AFTER = re.compile(r"^ ([A-Za-z]+)\b")
# A count written before such a word on purpose, and why.
ALLOWED = {
    ("registry/client.py", "times"),  # '(tried {attempts} times)' is written only when attempts > 1
    ("gateway/lint.py", "times"),  # 'listed {count} times' is written only for a count over 1
    ("mcp/questions.py", "characters"),  # a question over QUESTION_LIMIT (thousands) characters
    ("mcp/tools/inspect.py", "patterns"),  # written only past _PATTERNS_KEPT patterns
    ("mcp/questions.py", "spaces"),  # a run of _PADDING, several spaces long
    ("servers/inspection.py", "bytes"),  # the read limit, a size in bytes
    ("servers/launch.py", "bytes"),  # the read limit, a size in bytes
    ("packages/facts.py", "packages"),  # written only past the limit of packages looked up
}


def _is_count(node: ast.expr) -> bool:
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("len", "sum"):
        return True
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return bool(_COUNT_NAME.search(name)) and not name.isupper()


def _offenders() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.JoinedStr):
                continue
            for value, after in zip(node.values, node.values[1:], strict=False):
                if not (isinstance(value, ast.FormattedValue) and _is_count(value.value)):
                    continue
                if not (isinstance(after, ast.Constant) and isinstance(after.value, str)):
                    continue
                word = _WORD_AFTER.match(after.value)
                if word and word[1].endswith("s") and (relative, word[1]) not in ALLOWED:
                    found.append(f"{relative}:{node.lineno}: {{{ast.unparse(value.value)}}} {word[1]}")
    return found


def test_every_count_in_a_message_is_worded_by_the_helper() -> None:
    assert _offenders() == []


@pytest.mark.parametrize(
    ("count", "noun", "plural", "expected"),
    [(0, "server", None, "0 servers"), (1, "server", None, "1 server"), (2, "entry", "entries", "2 entries")],
)
def test_counted(count: int, noun: str, plural: str | None, expected: str) -> None:
    assert counted(count, noun, plural) == expected


def test_agreeing() -> None:
    assert (agreeing(1, "uses", "use"), agreeing(2, "uses", "use")) == ("uses", "use")
