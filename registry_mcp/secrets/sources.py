"""Secret values given by where to read them, so they never pass through the conversation.

    {"GITHUB_TOKEN": {"from_env": "GITHUB_TOKEN"}}     read from registry-mcp's own environment
    {"Authorization": {"from_file": "~/.config/t"}}   read from a file the person names

`resolve_sources(arguments)` replaces each such object with the text it names and returns the
arguments and the values read. The registry must hold the real value (secure-mcp-gateway expands no
`${NAME}` reference), so this is how it gets there without the assistant seeing it. A source is
taken only where results mask the value by its place (a value of `env` or `headers`, or a field
whose name says it is secret), so the value is never shown back; registry-mcp reads its environment
and files only when serving over stdio, which the caller (`registry_mcp.mcp.toolkit`) checks.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from registry_mcp.errors import SourceRefused
from registry_mcp.secrets.masking import looks_secret

SOURCES = ("from_env", "from_file")
MAX_FILE_BYTES = 64 * 1024
_MASKED_MAPS = ("env", "headers")


def has_sources(value: Any) -> bool:
    if _source(value) is not None:
        return True
    if isinstance(value, dict):
        return any(has_sources(item) for item in value.values())
    if isinstance(value, list):
        return any(has_sources(item) for item in value)
    return False


def resolve_sources(value: Any) -> tuple[Any, set[str]]:
    """`value` with every source replaced by the text it names, and those texts."""
    read: set[str] = set()
    return _resolve(value, "", None, None, read), read


def _resolve(value: Any, path: str, key: str | None, parent: str | None, read: set[str]) -> Any:
    """`key` is the value's own name, `parent` the name of the object holding it."""
    source = _source(value)
    if source is not None:
        if parent not in _MASKED_MAPS and not (key and looks_secret(key)):
            raise SourceRefused(
                f"{path}: {{{source[0]}: ...}} is taken only as a value of env or headers (or of a secret-named "
                "field), where results mask it"
            )
        text = _read(*source, path)
        read.add(text)
        return text
    if isinstance(value, dict):
        return {
            name: _resolve(item, f"{path}.{name}" if path else str(name), str(name), key, read)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [_resolve(item, f"{path}[{index}]", None, None, read) for index, item in enumerate(value)]
    return value


def _source(value: Any) -> tuple[str, str] | None:
    if isinstance(value, dict) and len(value) == 1:
        [(key, named)] = value.items()
        if key in SOURCES and isinstance(named, str):  # {"from_env": {}} may be a tool of that name
            return key, named
    return None


def _read(kind: str, named: str, path: str) -> str:
    if not named.strip():
        what = "an environment variable's name" if kind == "from_env" else "a file's path"
        raise SourceRefused(f"{path}.{kind}: give {what}")
    if kind == "from_env":
        text = os.environ.get(named)
        if not text:
            raise SourceRefused(f"{path}.from_env: {named!r} is not set (or is empty) in registry-mcp's environment")
        return text
    return _read_file(Path(named).expanduser(), f"{path}.from_file")


def _read_file(file: Path, where: str) -> str:
    if not file.is_absolute():
        raise SourceRefused(f"{where}: give an absolute path (or one starting with ~/)")
    try:
        with file.open("rb") as opened:
            data = opened.read(MAX_FILE_BYTES + 1)
    except OSError as failure:
        raise SourceRefused(f"{where}: cannot read it ({failure.strerror or type(failure).__name__})") from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceRefused(f"{where}: the file is larger than {MAX_FILE_BYTES // 1024} KiB, so not a secret")
    try:
        text = data.decode("utf-8").strip()  # a file's final newline is not part of the secret
    except UnicodeDecodeError:
        raise SourceRefused(f"{where}: the file is not UTF-8 text") from None
    if not text:
        raise SourceRefused(f"{where}: the file is empty")
    return text
