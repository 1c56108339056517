"""Registry servers rendered for where they run: secure-mcp-gateway's config, or an MCP client's.

    gateway_config(servers)               {"mcp_config": [entry, ...]}, entries keyed as the gateway reads them
    client_config(servers, "mcpServers")  Claude Desktop, Cursor, Claude Code: {"mcpServers": {name: ...}}
    client_config(servers, "vscode")      VS Code: {"servers": {name: {"type": ..., ...}}}

Secret values are masked (`registry_mcp.masking`) unless `reveal_secrets` is true.
"""

from __future__ import annotations

from typing import Any, Literal

from .masking import mask_secrets
from .models import LocalServerConfig, RegistryServer

ExportFormat = Literal["gateway", "mcpServers", "vscode"]

# The keys of one secure-mcp-gateway `mcp_configs.<id>.mcp_config[]` entry, in the gateway's order.
GATEWAY_KEYS = (
    "server_name",
    "description",
    "config",
    "oauth_config",
    "tools",
    "denied_tools",
    "sandbox",
    "enable_server_info_validation",
    "tool_guardrails_config",
    "input_guardrails_config",
    "output_guardrails_config",
)


def gateway_entry(server: RegistryServer, *, reveal_secrets: bool = False) -> dict[str, Any]:
    """One gateway `mcp_config[]` entry: `server_name` is the registry's saved_name."""
    mcp_config = server.mcp_config.to_api() if server.mcp_config is not None else {}
    entry: dict[str, Any] = {"server_name": server.saved_name, "description": server.description or ""}
    entry |= {key: mcp_config[key] for key in GATEWAY_KEYS if key in mcp_config and key not in entry}
    entry.setdefault("tools", {})
    entry.setdefault("denied_tools", [])
    ordered = {key: entry[key] for key in GATEWAY_KEYS if key in entry}
    return ordered if reveal_secrets else mask_secrets(ordered)


def gateway_config(servers: list[RegistryServer], *, reveal_secrets: bool = False) -> dict[str, Any]:
    """The `mcp_config` list of a gateway config, ready to paste under `mcp_configs.<id>`."""
    return {"mcp_config": [gateway_entry(server, reveal_secrets=reveal_secrets) for server in servers]}


def client_entry(server: RegistryServer, style: Literal["mcpServers", "vscode"]) -> dict[str, Any] | None:
    """How a client starts or reaches one server; None when it has no config."""
    if server.mcp_config is None:
        return None
    run = server.mcp_config.config
    if isinstance(run, LocalServerConfig):
        entry: dict[str, Any] = {"command": run.command, "args": list(run.args or [])}
        if run.env:
            entry["env"] = dict(run.env)
        return {"type": "stdio", **entry} if style == "vscode" else entry
    kind = "sse" if run.transport == "sse" else "http"
    remote: dict[str, Any] = {"type": kind, "url": run.url}
    if run.headers:
        remote["headers"] = dict(run.headers)
    return remote


def client_config(
    servers: list[RegistryServer], style: Literal["mcpServers", "vscode"], *, reveal_secrets: bool = False
) -> dict[str, Any]:
    """A client config block holding `servers`, named by saved_name (and version, where one name has several)."""
    names = [server.saved_name for server in servers]
    entries: dict[str, Any] = {}
    for server in servers:
        entry = client_entry(server, style)
        if entry is None:
            continue
        name = (
            server.saved_name if names.count(server.saved_name) == 1 else f"{server.saved_name}-{server.server_version}"
        )
        entries[name] = entry
    block = {"servers" if style == "vscode" else "mcpServers": entries}
    return block if reveal_secrets else mask_secrets(block)


def render(
    servers: list[RegistryServer], export_format: ExportFormat, *, reveal_secrets: bool = False
) -> dict[str, Any]:
    if export_format == "gateway":
        return gateway_config(servers, reveal_secrets=reveal_secrets)
    return client_config(servers, export_format, reveal_secrets=reveal_secrets)
