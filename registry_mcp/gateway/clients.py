"""How each MCP client writes one server in its config today, for exports.

    CLIENT_BLOCK[style]          the key holding the servers ('mcpServers', 'servers', 'context_servers', 'mcp_servers')
    client_entry(server, style)  one server's entry, real values, and the notes on what it changed

Clients run servers themselves, so what a client has no field for is said in a note, never dropped
in silence. Tool filters: where a client has one (Windsurf `disabledTools`, Gemini CLI
`excludeTools` / `includeTools`, Codex `disabled_tools` / `enabled_tools`), exact tool names of
`denied_tools` go there, and the `"*"` + `tools` allow list the gateway reads becomes the client's
allow list; glob patterns have no client equivalent and are noted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from registry_mcp.gateway.denylist import DENY_ALL, deny_patterns
from registry_mcp.registry.models import LocalServerConfig, RegistryServer

ClientStyle = Literal["mcpServers", "claude_desktop", "vscode", "windsurf", "gemini", "zed", "codex"]
CLIENT_BLOCK: dict[str, str] = {
    "mcpServers": "mcpServers",
    "claude_desktop": "mcpServers",
    "vscode": "servers",
    "windsurf": "mcpServers",
    "gemini": "mcpServers",
    "zed": "context_servers",
    "codex": "mcp_servers",
}
# Each client's own tool filters: (deny list key, allow list key or None).
_FILTERS: dict[str, tuple[str, str | None]] = {
    "windsurf": ("disabledTools", None),
    "gemini": ("excludeTools", "includeTools"),
    "codex": ("disabled_tools", "enabled_tools"),
}
_GLOB = re.compile(r"[*?\[]")
_BARE_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class ClientEntry:
    entry: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    applied: set[str] = field(default_factory=set)  # gateway fields this client applies itself (tool filters)


def client_entry(server: RegistryServer, style: str) -> ClientEntry:
    """How `style`'s client starts or reaches one server (real values)."""
    assert server.mcp_config is not None
    run = server.mcp_config.config
    if isinstance(run, LocalServerConfig):
        result = _local(run.command, list(run.args or []), dict(run.env or {}), style)
    else:
        result = _remote(run.url, run.transport, dict(run.headers or {}), style, server.saved_name)
    _filters(server, style, result)
    if style == "vscode":
        _vscode_references(result, server.saved_name)
    return result


def _local(command: str, args: list[str], env: dict[str, str], style: str) -> ClientEntry:
    entry: dict[str, Any] = {"command": command, "args": args}
    if env:
        entry["env"] = env
    if style == "vscode":
        entry = {"type": "stdio", **entry}
    elif style == "zed":
        entry = {"source": "custom", **entry}
    return ClientEntry(entry)


def _remote(url: str, transport: str, headers: dict[str, str], style: str, name: str) -> ClientEntry:
    sse = transport == "sse"
    if style == "claude_desktop":
        return _through_mcp_remote(url, sse, headers, name)
    entry: dict[str, Any]
    notes: list[str] = []
    if style == "windsurf":
        entry = {"serverUrl": url}
    elif style == "gemini":
        entry = {"url" if sse else "httpUrl": url}  # Gemini CLI: url is SSE, httpUrl streamable HTTP
    elif style in ("zed", "codex"):
        entry = {"url": url}
        if sse:
            notes.append(f"{name}: {style} reaches remote servers over streamable HTTP only; this one speaks SSE")
    else:
        entry = {"type": "sse" if sse else "http", "url": url}
        if style == "mcpServers":
            notes.append(f"{name}: written with type {entry['type']!r}, which Claude Code needs (Cursor reads the url)")
    if headers:
        entry["http_headers" if style == "codex" else "headers"] = headers
    return ClientEntry(entry, notes)


def _through_mcp_remote(url: str, sse: bool, headers: dict[str, str], name: str) -> ClientEntry:
    """Claude Desktop's config runs commands only: a remote server is reached through mcp-remote, each
    header's value kept in env (mcp-remote fills `${VAR}` in --header from its environment)."""
    args = ["-y", "mcp-remote", url, *(["--transport", "sse-only"] if sse else [])]
    env: dict[str, str] = {}
    for index, (header, value) in enumerate(headers.items(), start=1):
        variable = f"MCP_REMOTE_HEADER_{index}"
        args += ["--header", f"{header}:${{{variable}}}"]
        env[variable] = value
    entry: dict[str, Any] = {"command": "npx", "args": args} | ({"env": env} if env else {})
    note = f"{name}: Claude Desktop runs commands only, so it reaches this remote server through npx mcp-remote"
    return ClientEntry(entry, [note + (", its headers' values in env" if headers else "")])


def _filters(server: RegistryServer, style: str, result: ClientEntry) -> None:
    """The exact names of the deny list, and the allow list, as the client's own tool filters."""
    assert server.mcp_config is not None
    patterns = deny_patterns(server.mcp_config.denied_tools)
    keys = _FILTERS.get(style)
    if keys is None or not patterns:
        return
    deny_key, allow_key = keys
    listed = list(server.mcp_config.tools or {})
    exact = [pattern for pattern in patterns if not _GLOB.search(pattern)]
    globs = [pattern for pattern in patterns if _GLOB.search(pattern) and pattern != DENY_ALL]
    if DENY_ALL in patterns:
        if allow_key is None or not listed:
            result.notes.append(f"{server.saved_name}: {style} has no allow list, so '*' (deny all) is not applied")
            return
        result.entry[allow_key] = listed
    if exact:
        result.entry[deny_key] = exact
    if globs:
        result.notes.append(
            f"{server.saved_name}: {style} filters tools by exact name only, so these deny patterns are not applied: "
            + ", ".join(repr(glob) for glob in globs)
        )
    result.applied.add("denied_tools")


def _vscode_references(result: ClientEntry, name: str) -> None:
    """VS Code fills `${env:NAME}`, not `${NAME}`: references are written its way."""
    changed = False

    def rewrite(value: Any) -> Any:
        nonlocal changed
        if isinstance(value, str):
            new = _BARE_REFERENCE.sub(r"${env:\1}", value)
            changed = changed or new != value
            return new
        if isinstance(value, list):
            return [rewrite(item) for item in value]
        if isinstance(value, dict):
            return {key: rewrite(item) for key, item in value.items()}
        return value

    result.entry = rewrite(result.entry)
    if changed:
        result.notes.append(f"{name}: references written ${{NAME}} are written ${{env:NAME}}, as VS Code fills them")
