"""A client config from JSON text or from a file, keeping only what an import reads.

The source is JSON text when, after a BOM, white space and comments, it starts with `{`, `[`
or `"` (a fragment such as `"name": {...}` copied out of `mcpServers`); TOML text when it parses
as TOML holding Codex CLI's `[mcp_servers.NAME]` tables; otherwise it is a path (a `.toml` file is
read as Codex's config.toml).
No message here quotes the source: it may be a config full of secrets.

A file is streamed (`ijson`): only `mcpServers`, `servers`, `inputs`, `mcp` and each
`projects.<path>.mcpServers` are built, so a 100 MB `~/.claude.json` (mostly conversation
history) is read in a few MB of memory. The stream allows comments; a file it cannot read
(trailing commas, a fragment) is read whole as JSONC, up to `MAX_JSONC_FILE_BYTES`.
"""

from __future__ import annotations

import json
import tomllib
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from registry_mcp.errors import ConfigError, FileNotRead
from registry_mcp.gateway.config_files import RELATIVE_PATH, not_a_file
from registry_mcp.importing.jsonc import strip_jsonc
from registry_mcp.untrusted import escape

MAX_SOURCE_TEXT = 5_000_000  # characters of config text given inline (a tool argument)
MAX_CONFIG_FILE_BYTES = 1 << 30  # 1 GiB: over 10 times the largest ~/.claude.json seen
MAX_JSONC_FILE_BYTES = 16 << 20  # files that are not plain JSON are read whole up to this size
# Levels of objects and arrays inside a kept part (an entry's env is 2 inside mcpServers); building
# or rendering a value nested 100,000 deep recursed past Python's limit.
MAX_DEPTH = 32
_NAMED_LEVELS = 4  # how many levels of a too-deep value an error names
_KEY_SHOWN = 60

# The top-level keys an import reads; the rest of a config (history, settings) is skipped: clients'
# server blocks (Zed's context_servers, Codex's mcp_servers), and secure-mcp-gateway's own files
# (its config's mcp_configs; `config` in a file for its `config import` or from its `config export`).
KEPT_KEYS = ("mcpServers", "servers", "inputs", "mcp", "context_servers", "mcp_servers", "mcp_configs", "config")
_BOM = b"\xef\xbb\xbf"
_OPEN = frozenset(("start_map", "start_array"))
_CLOSE = frozenset(("end_map", "end_array"))

Events = Iterator[tuple[str, Any]]


def read_config(source: str, *, files: bool = True) -> dict[str, Any]:
    """A client config from JSON text, or from the file a path names (the parts an import reads).
    With `files` false only JSON text is read: a path raises `FileNotRead`."""
    text = strip_jsonc(source.strip().removeprefix("\ufeff")).strip()
    toml = _toml(source)
    if toml is not None:  # Codex CLI's config.toml, given as text
        return toml
    if text[:1] in ("{", "[", '"'):
        return config_from_text(text)
    if "\n" in source.strip():
        raise ConfigError(
            "neither JSON or TOML text (it does not start with '{', nor holds [mcp_servers.NAME]) nor a file path "
            "(it spans several lines)"
        )
    if not files:
        raise FileNotRead("a file path, where only JSON text is read")
    return _read_file(source.strip())


def config_from_text(text: str) -> dict[str, Any]:
    """The config in JSON text already stripped of comments and trailing commas."""
    if text.startswith("["):
        raise ConfigError('a JSON array: give the client\'s config object ({"mcpServers": {...}}) or its servers block')
    if text.startswith('"'):  # a fragment: "name": {...}, "other": {...}
        text = strip_jsonc("{" + text + "}")
    try:
        config = json.loads(text)
    except json.JSONDecodeError as invalid:
        # json's messages name what was expected, never the text found.
        raise ConfigError(f"not JSON: {invalid.msg.lower()} at line {invalid.lineno}") from None
    except RecursionError:
        raise ConfigError("not a client config: nested too deeply") from None
    if not isinstance(config, dict):
        raise ConfigError("a client config is a JSON object")
    kept = kept_parts(config)
    _refuse_deep(kept)
    return kept


def _toml(text: str) -> dict[str, Any] | None:
    """The kept parts of TOML text holding Codex's `[mcp_servers.NAME]` tables; None if it is not that."""
    if "mcp_servers" not in text:
        return None
    try:
        parsed = tomllib.loads(text.strip().removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError:
        return None
    return kept_parts(parsed) if isinstance(parsed.get("mcp_servers"), dict) else None


def kept_parts(config: dict[str, Any]) -> dict[str, Any]:
    """The parts of a parsed config an import reads, in the shape `read_config` returns."""
    if config and all(_looks_like_entry(value) for value in config.values()):
        return {"mcpServers": config}  # the mcpServers block itself, without its key
    kept = {key: config[key] for key in KEPT_KEYS if key in config}
    projects = config.get("projects")
    if isinstance(projects, dict):
        kept["projects"] = {
            path: {"mcpServers": project["mcpServers"]}
            for path, project in projects.items()
            if isinstance(project, dict) and "mcpServers" in project
        }
    return kept


def _looks_like_entry(value: Any) -> bool:
    return isinstance(value, dict) and any(key in value for key in ("command", "url", "serverUrl", "httpUrl"))


def _read_file(name: str) -> dict[str, Any]:
    try:
        path = Path(name).expanduser()
        if not path.is_absolute():
            raise ConfigError(RELATIVE_PATH)
        try:
            status = path.stat()
        except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL in the name
            raise ConfigError("no such file (give a config file's path, or its JSON text)") from None
        kind = not_a_file(status.st_mode)
        if kind:
            raise ConfigError(f"it is {kind}, not a regular file: give a config file's path, or its JSON text")
        size = status.st_size
        if size > MAX_CONFIG_FILE_BYTES:
            raise ConfigError(f"the file is larger than {MAX_CONFIG_FILE_BYTES:,} bytes: not an MCP client config")
        if path.suffix.lower() == ".toml":
            return _toml_file(path, size)
        with path.open("rb") as file:
            streamed = _stream(file)
        if streamed:  # else not plain JSON, or nothing an import reads at the top (a bare servers block?)
            return streamed
        if size > MAX_JSONC_FILE_BYTES:
            raise ConfigError(
                f"not JSON (a file over {MAX_JSONC_FILE_BYTES:,} bytes is read as plain JSON: comments are "
                "allowed there, trailing commas are not)"
            )
        return config_from_text(strip_jsonc(path.read_text(encoding="utf-8-sig")).strip())
    except OSError as unreadable:  # a name too long, a directory we may not enter
        raise ConfigError(f"cannot read the file: {unreadable.strerror}") from None
    except RuntimeError:  # '~name' for a user this machine does not have
        raise ConfigError("cannot read the file: no such home directory") from None
    except UnicodeDecodeError:
        raise ConfigError("cannot read the file: not UTF-8 text") from None


def _toml_file(path: Path, size: int) -> dict[str, Any]:
    if size > MAX_JSONC_FILE_BYTES:
        raise ConfigError(f"the TOML file is larger than {MAX_JSONC_FILE_BYTES:,} bytes: not a Codex config.toml")
    try:
        parsed = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as invalid:
        # Its message names the line and what was expected, never the text found.
        raise ConfigError(f"not TOML: {str(invalid).lower()}") from None
    kept = kept_parts(parsed)
    if "mcp_servers" not in kept:
        raise ConfigError("no [mcp_servers.NAME] table (Codex CLI's MCP servers) in it")
    return kept


def _stream(file: IO[bytes]) -> dict[str, Any] | None:
    """The kept parts of a plain JSON file, streamed; None if the stream cannot read it."""
    import ijson  # only a file import needs it

    if file.read(len(_BOM)) != _BOM:
        file.seek(0)
    events: Events = ijson.basic_parse(file, use_float=True, allow_comments=True)
    try:
        first, _ = next(events)
        if first == "start_array":
            raise ConfigError("a JSON array: a client config is a JSON object")
        if first != "start_map":
            raise ConfigError("a client config is a JSON object")
        config = _top_level(events)
        for _ in events:  # the rest must be white space (else the stream raises)
            pass
    except (ijson.JSONError, StopIteration):
        # Its message quotes the text around the error, which may hold secrets: not passed on.
        return None
    return config


def _members(events: Events) -> Iterator[tuple[str, str, Any]]:
    """Each member of the object being read: its key and the first event of its value, which the
    caller consumes (with `_build` or `_skip`) before asking for the next member."""
    for event, key in events:
        if event == "end_map":
            return
        event, value = next(events, ("end_of_input", None))
        yield key, event, value


def _top_level(events: Events) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for key, event, value in _members(events):
        if key in KEPT_KEYS:
            config[key] = _build(event, value, events, key)
        elif key == "projects" and event == "start_map":
            config["projects"] = _projects(events)
        else:
            _skip(event, events)
    return config


def _projects(events: Events) -> dict[str, Any]:
    """Claude Code's `projects`: each project's `mcpServers`, nothing else."""
    projects: dict[str, Any] = {}
    for path, event, _ in _members(events):
        if event != "start_map":
            _skip(event, events)
            continue
        for key, inner, value in _members(events):
            if key == "mcpServers":
                projects[path] = {"mcpServers": _build(inner, value, events, f"projects.{_shown(path)}.mcpServers")}
            else:
                _skip(inner, events)
    return projects


def _build(event: str, value: Any, events: Events, where: str) -> Any:
    """The JSON value that starts with `event`, built from the stream (the value at `where` in the
    config); refused once it nests past `MAX_DEPTH`, before it takes the memory (a GiB of `[`)."""
    import ijson

    builder = ijson.ObjectBuilder()
    path: list[str] = []  # per open object or array: the key or index last read in it
    for event_of_value, part in _one_value(event, value, events):
        if path and path[-1].startswith("[") and event_of_value not in _CLOSE:
            path[-1] = f"[{int(path[-1][1:-1]) + 1}]"  # one more item in the innermost array
        if event_of_value == "map_key":
            path[-1] = "." + _shown(part)
        elif event_of_value in _OPEN:
            path.append("[-1]" if event_of_value == "start_array" else "")
            if len(path) > MAX_DEPTH:
                raise _too_deep(where, path)
        elif event_of_value in _CLOSE:
            path.pop()
        builder.event(event_of_value, part)
    return builder.value


def _too_deep(where: str, path: list[str]) -> ConfigError:
    field = "".join(path[:_NAMED_LEVELS]) + ("…" if len(path) > _NAMED_LEVELS else "")
    return ConfigError(f"{where}{field} is nested more than {MAX_DEPTH} levels deep; an MCP client config never is")


def _refuse_deep(config: dict[str, Any]) -> None:
    """Refuse a config read from text that nests past `MAX_DEPTH`, as `_build` does one streamed."""
    stack: list[tuple[Any, list[str]]] = [(value, [f".{_shown(key)}"]) for key, value in config.items()]
    while stack:
        value, path = stack.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, item in items:
            if isinstance(item, dict | list):
                inner = [*path, f".{_shown(str(key))}" if isinstance(value, dict) else f"[{key}]"]
                if len(inner) > MAX_DEPTH:
                    raise _too_deep(path[0][1:], inner[1:])
                stack.append((item, inner))


def _shown(key: str) -> str:
    """A key of the config, as a message names it: hidden characters escaped, the length capped."""
    return escape(key, _KEY_SHOWN)


def _skip(event: str, events: Events) -> None:
    """Pass over the JSON value that starts with `event`, keeping nothing of it."""
    deque(_one_value(event, None, events), maxlen=0)


def _one_value(event: str, value: Any, events: Events) -> Events:
    """The events of the JSON value that starts with (`event`, `value`), up to where it ends."""
    yield event, value
    if event not in _OPEN:
        return
    depth = 1
    for event, value in events:
        yield event, value
        if event in _OPEN:
            depth += 1
        elif event in _CLOSE:
            depth -= 1
            if depth == 0:
                return
