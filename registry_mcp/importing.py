"""Registry payloads from the MCP client configs people already have.

    plan = plan_import(read_config("~/Library/Application Support/Claude/claude_desktop_config.json"))
    plan.servers        # one ImportedServer per entry: its payload, and how its name was made valid
    plan.problems       # entries that could not be imported, and why

Reads Claude Desktop's and Cursor's `mcpServers`, VS Code's `servers`, and Claude Code's files
(`.mcp.json`, and `~/.claude.json` with its per-project `mcpServers`). `saved_name` comes from the
entry's key, made valid; `server_name` and `source_url` are inferred from an `npx -y <package>` or
`uvx <package>` command.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import describe_validation_error
from .models import ServerPayload

MAX_CONFIG_BYTES = 5_000_000
_INVALID_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9_-]+")
_MAX_NAME = 32


class ConfigError(ValueError):
    """The text is not an MCP client config this module can read."""


@dataclass(frozen=True)
class ImportedServer:
    key: str  # the entry's name in the client's config
    payload: ServerPayload
    renamed: bool  # saved_name had to differ from the key


@dataclass
class ImportPlan:
    servers: list[ImportedServer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_config(source: str) -> dict[str, Any]:
    """A client config from JSON text, or from the file a path names."""
    text = source.strip()
    if not text.startswith("{"):
        text = _read_file(text)
    try:
        config = json.loads(text)
    except ValueError as invalid:
        # Where, not what: the text may hold secrets.
        raise ConfigError(f"not JSON (line {getattr(invalid, 'lineno', '?')}): give a client config file") from None
    if not isinstance(config, dict):
        raise ConfigError("a client config is a JSON object")
    return config


def _read_file(name: str) -> str:
    shown = name if len(name) <= 200 else name[:200] + "…"
    try:
        path = Path(name).expanduser()
        if not path.is_file():
            raise ConfigError(f"no such file: {shown} (give a config file's path, or its JSON text)")
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{shown} is larger than {MAX_CONFIG_BYTES:,} bytes: not an MCP client config")
        return path.read_text(encoding="utf-8")
    except OSError as unreadable:  # a name too long, a directory we may not enter
        raise ConfigError(f"cannot read {shown}: {unreadable.strerror}") from None
    except RuntimeError:  # '~name' for a user this machine does not have
        raise ConfigError(f"cannot read {shown}: no such home directory") from None
    except UnicodeDecodeError:
        raise ConfigError(f"cannot read {shown}: not UTF-8 text") from None


def client_entries(config: dict[str, Any]) -> dict[str, Any]:
    """The server entries of a config, by name, whichever client wrote it."""
    entries: dict[str, Any] = {}
    for key in ("mcpServers", "servers"):
        if isinstance(config.get(key), dict):
            entries |= config[key]
    # Claude Code's ~/.claude.json keeps servers per project too.
    for project in (config.get("projects") or {}).values():
        if isinstance(project, dict) and isinstance(project.get("mcpServers"), dict):
            entries |= {name: entry for name, entry in project["mcpServers"].items() if name not in entries}
    if not entries and not any(key in config for key in ("mcpServers", "servers", "projects")):
        raise ConfigError("no 'mcpServers' (Claude Desktop, Cursor, Claude Code) or 'servers' (VS Code) in it")
    return entries


def plan_import(config: dict[str, Any], *, server_version: str = "v1") -> ImportPlan:
    plan = ImportPlan()
    taken: set[str] = set()
    for key, entry in client_entries(config).items():
        name = valid_saved_name(key, taken)
        taken.add(name)
        if not isinstance(entry, dict):
            plan.problems.append(f"{key!r}: not an object; skipped")
            continue
        payload = _payload(entry, name, server_version)
        if isinstance(payload, str):
            plan.problems.append(f"{key!r}: {payload}; skipped")
            continue
        plan.servers.append(ImportedServer(key=key, payload=payload, renamed=name != key))
    return plan


def valid_saved_name(key: str, taken: set[str]) -> str:
    """`key` as a saved_name: letters, digits, '-' and '_', at most 32, not one already taken."""
    base = _INVALID_NAME_CHARACTERS.sub("-", key).strip("-")[:_MAX_NAME] or "server"
    name, number = base, 1
    while name in taken:
        number += 1
        suffix = f"-{number}"
        name = base[: _MAX_NAME - len(suffix)] + suffix
    return name


def _payload(entry: dict[str, Any], saved_name: str, server_version: str) -> ServerPayload | str:
    if entry.get("disabled") is True:
        return "disabled in the client"
    body: dict[str, Any] = {"saved_name": saved_name, "server_version": server_version}
    if isinstance(entry.get("command"), str):
        run: dict[str, Any] = {"command": entry["command"], "args": [str(arg) for arg in entry.get("args") or []]}
        if isinstance(entry.get("env"), dict) and entry["env"]:
            run["env"] = {str(name): str(value) for name, value in entry["env"].items()}
        body |= _package(run["command"], run["args"])
    elif isinstance(entry.get("url") or entry.get("serverUrl"), str):
        run = {"url": entry.get("url") or entry["serverUrl"]}
        run["transport"] = (
            "sse" if str(entry.get("type", entry.get("transport", ""))).lower() == "sse" else "streamable_http"
        )
        if isinstance(entry.get("headers"), dict) and entry["headers"]:
            run["headers"] = {str(name): str(value) for name, value in entry["headers"].items()}
    else:
        return "neither a 'command' (a local server) nor a 'url' (a remote one)"
    body["mcp_config"] = {"config": run, "tools": {}, "denied_tools": []}
    try:
        return ServerPayload.model_validate(body)
    except ValidationError as invalid:
        return "; ".join(describe_validation_error(invalid))


def _package(command: str, args: list[str]) -> dict[str, str]:
    """`server_name` and `source_url` from `npx [-y] <package>` or `uvx [--from <spec>] <package>`."""
    program = Path(command).name.removesuffix(".cmd").removesuffix(".exe")
    if program == "npx":
        package = _first_word(args)
        name = package.rsplit("@", 1)[0] if package.rfind("@") > 0 else package  # drop a @version
        return {"server_name": name, "source_url": f"https://www.npmjs.com/package/{name}"} if name else {}
    if program in ("uvx", "pipx"):
        rest = args[1:] if program == "pipx" and args[:1] == ["run"] else args
        spec = rest[rest.index("--from") + 1] if "--from" in rest[:-1] else _first_word(rest)
        name = re.split(r"[=<>~!\[@ ]", spec, maxsplit=1)[0]  # drop a version or extras
        if re.fullmatch(r"[A-Za-z0-9._-]+", name):
            return {"server_name": name, "source_url": f"https://pypi.org/project/{name}/"}
    return {}


def _first_word(args: list[str]) -> str:
    """The first argument that is not an option."""
    return next((arg for arg in args if not arg.startswith("-")), "")
