"""TOML text for Codex CLI's config.toml: read with the standard library's `tomllib`, written here.

`dumps` writes the values `tomllib` reads (text, integers, floats, booleans, dates and times,
arrays, tables and arrays of tables), tables as `[a.b]` sections after the plain keys, so that a
file read and written back holds the same values. Comments and layout are not kept: whoever
rewrites an existing file checks it has none to lose (`has_comments`).
"""

from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def dumps(document: dict[str, Any]) -> str:
    lines: list[str] = []
    _body(document, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _body(table: dict[str, Any], path: list[str], lines: list[str]) -> None:
    """A table's plain keys, then its tables as sections and its arrays of tables."""
    lines += [f"{_key(key)} = {_value(value)}" for key, value in table.items() if not _nested(value)]
    for key, value in table.items():
        inner = [*path, key]
        if _is_table(value):
            if not value or any(not _nested(item) for item in value.values()):
                lines += ["", "[" + ".".join(map(_key, inner)) + "]"]  # else its tables imply it
            _body(value, inner, lines)
        elif _is_tables(value):
            for item in value:
                lines += ["", "[[" + ".".join(map(_key, inner)) + "]]"]
                _body(item, inner, lines)


def _nested(value: Any) -> bool:
    return _is_table(value) or _is_tables(value)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    # JSON's escapes are TOML's basic-string escapes, except that TOML has no \/ (json never writes it).
    return json.dumps(text, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(key)} = {_value(item)}" for key, item in value.items()) + "}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def has_comments(text: str, document: dict[str, Any]) -> bool:
    """Whether TOML `text` holds a comment: a '#' more than its keys and texts account for."""
    return text.count("#") > sum(part.count("#") for part in _texts(document))


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for key, item in value.items() for text in (key, *_texts(item))]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return []
