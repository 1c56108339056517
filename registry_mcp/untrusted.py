"""Text from a peer we do not control (an inspected MCP server): cleaned, capped and quoted.

What such a server says about itself (its name, version, instructions, tool names and descriptions,
its errors and stderr) may be written to mislead whoever reads the result: control characters that
redraw a terminal, zero-width characters that make two names look alike, bidi overrides that show
text in another order, and sentences dressed as instructions. So:

- `clean(text, cap)` drops control, format (zero-width, bidi) and separator characters, folds white
  space onto one line, and caps the length; `clean_block` keeps line breaks (descriptions);
- `escape(text, cap)` shows those characters as `\\uXXXX` instead of dropping them, for text whose
  every character matters (a tool name a deny pattern must match; a command the person approves);
- `quote(text)` marks cleaned text as data inside our own sentence.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# Control, format (zero-width, bidi, tags), private-use, surrogate, unassigned; line and paragraph
# separators.
_HIDDEN = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
# What str.splitlines() breaks at, and the tab: white space, not hidden, but never kept as it is.
_BREAKS = frozenset("\t\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_BLOCK_BREAKS = {c: " " if c == "\t" else "\n" for c in _BREAKS}
_SPACES = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")
ELLIPSIS = "…"


def _hidden(character: str) -> bool:
    return unicodedata.category(character) in _HIDDEN


def has_hidden(text: str) -> bool:
    """Whether `text` holds a character `clean` would drop (and `escape` show)."""
    return any(_hidden(c) for c in text)


def cap(text: str, limit: int) -> str:
    """`text`, cut to at most `limit` characters (the last one an ellipsis) if longer."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def clean(text: str, limit: int) -> str:
    """One line of `text` with hidden characters dropped and white space folded, at most `limit` long."""
    kept = "".join(" " if c in _BREAKS else c for c in text[: limit * 4] if c in _BREAKS or not _hidden(c))
    return cap(_SPACES.sub(" ", kept).strip(), limit)


def clean_block(text: str, limit: int) -> str:
    """`text` with hidden characters dropped but line breaks kept, at most `limit` long."""
    kept = "".join(
        _BLOCK_BREAKS.get(c, c) for c in text[: limit * 4].replace("\r\n", "\n") if c in _BREAKS or not _hidden(c)
    )
    return cap(_BLANK_LINES.sub("\n\n", kept).strip(), limit)


def escape(text: str, limit: int) -> str:
    """`text` with each hidden character written as `\\uXXXX`, at most `limit` long."""
    return cap("".join(f"\\u{ord(c):04x}" if _hidden(c) else c for c in text[: limit * 2]), limit)


def quote(text: str) -> str:
    """`text` in double quotes, its quotes and backslashes escaped, so that it cannot end the quote."""
    return json.dumps(text, ensure_ascii=False)


def clean_json(value: Any, *, limit: int = 200, items: int = 50, depth: int = 6, nodes: int = 1_000) -> Any:
    """A JSON value with every key and text cleaned and capped, and its lists and objects (`items`
    each), nesting (`depth`) and size (`nodes` values in all) bounded: what is past a bound is left out."""
    budget = [nodes]

    def walk(value: Any, depth: int) -> Any:
        budget[0] -= 1
        if isinstance(value, str):
            return clean(value, limit)
        if isinstance(value, bool | int | float) or value is None:
            return value
        if isinstance(value, dict):
            return {
                clean(str(key), limit): walk(item, depth - 1)
                for key, item in list(value.items())[:items]
                if depth > 0 and budget[0] > 0
            }
        if isinstance(value, list | tuple):
            return [walk(item, depth - 1) for item in value[:items] if depth > 0 and budget[0] > 0]
        return clean(str(value), limit)

    return walk(value, depth)
