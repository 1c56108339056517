"""Registry payloads from the MCP client configs people already have.

    plan = plan_import(read_config("~/Library/Application Support/Claude/claude_desktop_config.json"))
    plan.servers        # one ImportedServer per entry: its payload, its name, and notes
    plan.problems       # entries that could not be imported, and why

Reads Claude Desktop's, Cursor's and Windsurf's `mcpServers`, VS Code's `servers` and `inputs`
(JSONC, in `mcp.json` or under `mcp` in settings.json), and Claude Code's `.mcp.json` and
`~/.claude.json` with each project's `mcpServers`. The modules:

    reading.py   source text or file → the parts of the config an import reads (streamed from files)
    jsonc.py     comments and trailing commas removed, strings untouched
    entries.py   one entry → payload body and notes (client-only `${…}`, envFile, settings not carried)
    proxies.py   mcp-remote, mcp-proxy and supergateway entries → the remote server they reach
    commands.py  the package an `npx`/`uvx` command runs (server_name and source_url, a guess)
    names.py     valid, distinct saved_names in linear time
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

from pydantic import ValidationError

from registry_mcp.errors import ConfigError, FileNotRead
from registry_mcp.importing.entries import entry_body, gateway_entry_body
from registry_mcp.importing.names import SavedNames
from registry_mcp.importing.notes import Note, NoteKind
from registry_mcp.importing.reading import MAX_CONFIG_FILE_BYTES, MAX_JSONC_FILE_BYTES, MAX_SOURCE_TEXT, read_config
from registry_mcp.registry.models import SAVED_NAME_MAX, ServerPayload, saved_name_from
from registry_mcp.registry.validation import describe_validation_error

__all__ = [
    "MAX_CONFIG_FILE_BYTES",
    "MAX_JSONC_FILE_BYTES",
    "MAX_SOURCE_TEXT",
    "ConfigError",
    "FileNotRead",
    "ImportPlan",
    "ImportedServer",
    "Note",
    "NoteKind",
    "SavedNames",
    "plan_import",
    "read_config",
]


@dataclass(frozen=True)
class ImportedServer:
    key: str  # the entry's name in the client's config
    payload: ServerPayload
    renamed: bool  # saved_name had to differ from the key
    project: str | None = None  # the Claude Code project it came from (~/.claude.json), if any
    notes: tuple[Note, ...] = ()


@dataclass
class ImportPlan:
    servers: list[ImportedServer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    why_empty: str = ""  # where nothing was found to import, why


@dataclass(frozen=True)
class _Entry:
    key: str
    project: str | None
    value: Any
    gateway: dict[str, Any] | None = None  # a secure-mcp-gateway entry: its config's common_overrides
    vscode: bool = False  # from VS Code's `servers`


def plan_import(config: dict[str, Any], *, server_version: str = "v1") -> ImportPlan:
    plan = ImportPlan()
    names = SavedNames()
    first_seen: dict[str, str | None] = {}  # entry name → the project (None: the config itself) it was first in
    inputs = _inputs(config)
    entries = list(client_entries(config))
    if not entries:
        plan.why_empty = _why_empty(config)
    for entry in entries:
        where = f"{entry.key!r}" + (f" (project {entry.project!r})" if entry.project else "")
        if not isinstance(entry.value, dict):
            built: tuple[dict[str, Any], list[Note]] | str = "not an object"
        elif entry.gateway is not None:
            built = gateway_entry_body(entry.value, entry.gateway)
        else:
            built = entry_body(entry.value, inputs, vscode=entry.vscode)
        if isinstance(built, str):
            plan.problems.append(f"{where}: {built}; skipped")
            continue
        body, notes = built
        # A name met again in another project keeps that project's folder in its saved_name.
        again = entry.key in first_seen and entry.project is not None
        name = names.claim(f"{entry.key}-{_folder(entry.project)}" if again and entry.project else entry.key)
        if name != entry.key:
            notes.insert(0, _renamed(entry, name, first_seen if again else None))
        first_seen.setdefault(entry.key, entry.project)
        try:
            payload = ServerPayload.model_validate({"saved_name": name, "server_version": server_version} | body)
        except ValidationError as invalid:
            plan.problems.append(f"{where}: {'; '.join(describe_validation_error(invalid))}; skipped")
            continue
        plan.servers.append(ImportedServer(entry.key, payload, name != entry.key, entry.project, tuple(notes)))
    return plan


# The keys that hold servers, and who writes them.
_BLOCKS = (
    "'mcpServers' (Claude Desktop, Cursor, Claude Code, Windsurf, Gemini CLI), 'servers' (VS Code), "
    "'context_servers' (Zed), [mcp_servers] (Codex CLI) or 'mcp_configs' / 'config' (secure-mcp-gateway)"
)


def client_entries(config: dict[str, Any]) -> Iterator[_Entry]:
    """The server entries of a config, whichever client wrote it: its own first, then each project's."""
    vscode_settings = _object(config.get("mcp"))
    blocks = [
        (config.get("mcpServers"), False),
        (config.get("servers"), True),
        (vscode_settings.get("servers"), True),
        (config.get("context_servers"), False),
        (config.get("mcp_servers"), False),
    ]
    projects = _object(config.get("projects"))
    gateway = list(_gateway_configs(config))
    if not gateway and not any(
        key in config for key in ("mcpServers", "servers", "projects", "mcp", "context_servers", "mcp_servers")
    ):
        raise ConfigError(f"no {_BLOCKS} in it")
    for _, gateway_config in gateway:
        listed = gateway_config.get("mcp_config")
        for value in listed if isinstance(listed, list) else []:
            key = value.get("server_name") if isinstance(value, dict) else None
            yield _Entry(str(key), None, value, _object(gateway_config.get("common_overrides")))
    for block, vscode in blocks:
        if isinstance(block, dict):
            yield from (_Entry(str(key), None, value, vscode=vscode) for key, value in block.items())
    for path, project in projects.items():
        servers = project.get("mcpServers") if isinstance(project, dict) else None
        if isinstance(servers, dict):
            yield from (_Entry(str(key), str(path), value) for key, value in servers.items())


def _gateway_configs(config: dict[str, Any]) -> Iterator[tuple[str | None, dict[str, Any]]]:
    """secure-mcp-gateway's configs: each of its config file's `mcp_configs`, or the one `config` of a
    file for (or from) its `config import` / `config export`; with the config's name."""
    single = config.get("config")
    if isinstance(single, dict) and isinstance(single.get("mcp_config"), list):
        yield None, single
    for block in _object(config.get("mcp_configs")).values():
        if isinstance(block, dict) and isinstance(block.get("mcp_config"), list):
            name = block.get("mcp_config_name")
            yield (str(name) if name is not None else None), block


def _why_empty(config: dict[str, Any]) -> str:
    """Why a config that has a servers block yields no entry."""
    found = [key for key in ("mcpServers", "servers", "context_servers", "mcp_servers") if key in config]
    if "mcp_configs" in config or "config" in config:
        return "the gateway config holds no server (its mcp_config lists are empty)"
    if found:
        return f"its {' and '.join(repr(key) for key in found)} {'is' if len(found) == 1 else 'are'} empty"
    return f"it holds no {_BLOCKS} with servers"


def _inputs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """VS Code's `inputs` by id: what it asks the person for each `${input:id}`."""
    vscode_settings = _object(config.get("mcp"))
    listed = config.get("inputs") or vscode_settings.get("inputs") or []
    return {
        str(item["id"]): item for item in listed if isinstance(listed, list) and isinstance(item, dict) and "id" in item
    }


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _folder(project: str) -> str:
    """The last folder of a project's path, on any system."""
    path = PureWindowsPath(project) if "\\" in project else PurePosixPath(project)
    return path.name or project


def _renamed(entry: _Entry, name: str, first_seen: dict[str, str | None] | None) -> Note:
    if first_seen is not None:
        earlier = first_seen[entry.key]
        first = f"project {earlier!r}" if earlier is not None else "the user's servers at the top of the file"
        why = f"a server named {entry.key!r} comes first (in {first})"
    elif saved_name_from(entry.key) != entry.key:
        why = f"a saved_name holds letters, digits, '-' and '_', at most {SAVED_NAME_MAX}"
    else:
        why = "another entry has that name already"
    return Note("renamed", "saved_name", f"{why}: saved as {name!r}")
