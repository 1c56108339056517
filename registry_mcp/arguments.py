"""The arguments of each MCP tool, as pydantic models built from the payload models.

Each tool's input schema is derived from its model here (`registry_mcp.schemas`), and the same
model validates a call's arguments. Top-level arguments are closed (`extra="forbid"`), so a
misspelt argument is reported instead of silently dropped; nested API objects stay open, so keys
the models do not know still reach the registry.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from .endpoints import MAX_PAGE, MAX_PER_PAGE
from .importing import MAX_CONFIG_BYTES
from .models import (
    DEFAULT_SERVER_VERSION,
    MAX_BULK_SERVERS,
    DeniedToolEntry,
    RegistryModel,
    SavedName,
    ServerChanges,
    ServerConfig,
    ServerIdentity,
    ServerPayload,
    ServerVersion,
)

_CLOSED = ConfigDict(extra="forbid")


class AddServerArguments(ServerPayload):
    model_config = _CLOSED


class BulkAddServersArguments(RegistryModel):
    model_config = _CLOSED

    # Closed like add_registry_server's own arguments: a misspelt field is reported, not sent.
    servers: list[AddServerArguments] = Field(
        min_length=1,
        max_length=MAX_BULK_SERVERS,
        description=(
            f"1 to {MAX_BULK_SERVERS} servers, each with the same fields as add_registry_server. "
            "All are added, or (if any is refused) none."
        ),
    )


class ServerSelector(ServerIdentity):
    """Names one registry server."""

    model_config = _CLOSED


class DeleteServerArguments(ServerSelector):
    confirm: bool = Field(
        default=False,
        description=(
            "Only for clients that cannot ask the person themselves: true once the person has agreed to delete "
            "this server. Where the client can ask, the server asks the person and this is ignored."
        ),
    )


class ModifyServerArguments(ServerChanges, ServerIdentity):
    model_config = _CLOSED

    replace_mcp_config: bool = Field(
        default=False,
        description=(
            "false (default): merge the given mcp_config into the stored one. "
            "true: the given mcp_config replaces the stored one whole (use it to remove keys)."
        ),
    )


class ListServersArguments(RegistryModel):
    model_config = _CLOSED

    page: int = Field(default=1, ge=1, le=MAX_PAGE, description=f"Page number, from 1 (at most {MAX_PAGE:,}).")
    per_page: int = Field(
        default=20, ge=1, le=MAX_PER_PAGE, description=f"Servers per page, 1 to {MAX_PER_PAGE} (default 20)."
    )
    is_active: bool | None = Field(
        default=None, description="true: only active servers; false: only inactive ones; leave out for all."
    )


class ExportArguments(RegistryModel):
    model_config = _CLOSED

    format: Literal["gateway", "mcpServers", "vscode"] = Field(
        description=(
            "'gateway': secure-mcp-gateway mcp_config[] entries; 'mcpServers': a Claude Desktop, Cursor or "
            "Claude Code block; 'vscode': a VS Code .vscode/mcp.json 'servers' block."
        )
    )
    servers: list[ServerSelector] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_PER_PAGE,
        description=f"Up to {MAX_PER_PAGE} servers to export, by saved_name and server_version; leave out for every "
        "active server.",
    )


class WriteExportArguments(ExportArguments):
    path: str = Field(
        min_length=1,
        max_length=4096,
        description=(
            "Absolute path (or ~/...) of the file to write. 'gateway': the gateway's enkrypt_mcp_config.json "
            "(servers merged into the config named config_name), or a new file for `secure-mcp-gateway config "
            "import`. 'mcpServers' / 'vscode': a client's config file, merged by server name (created if missing)."
        ),
    )
    config_name: str = Field(
        default="registry_mcp",
        min_length=1,
        max_length=100,
        description="'gateway' only: the mcp_config_name (or id) of the gateway config to write into.",
    )
    confirm: bool = Field(
        default=False,
        description=(
            "Only for clients that cannot ask the person themselves: true once the person has agreed to this write. "
            "Where the client can ask, the server asks the person and this is ignored."
        ),
    )


class ImportArguments(RegistryModel):
    model_config = _CLOSED

    source: str = Field(
        min_length=1,
        max_length=MAX_CONFIG_BYTES,
        description=(
            "An MCP client's config: a file path (Claude Desktop's claude_desktop_config.json, Cursor's mcp.json, "
            "VS Code's .vscode/mcp.json, Claude Code's .mcp.json or ~/.claude.json), or the file's JSON text."
        ),
    )
    server_version: ServerVersion = DEFAULT_SERVER_VERSION
    confirm: bool = Field(
        default=False,
        description=(
            "false (default): a dry run that shows the payloads and problems and writes nothing. true: register "
            "them (bulk adds of up to 100), only after the person has seen the dry run and agreed."
        ),
    )


class InspectArguments(RegistryModel):
    model_config = _CLOSED

    config: ServerConfig | None = Field(
        default=None,
        description="The server to inspect, as an mcp_config.config: {command, args, env} or {url, transport}.",
    )
    saved_name: SavedName | None = Field(default=None, description="Or a registered server to inspect, by name.")
    server_version: ServerVersion = DEFAULT_SERVER_VERSION
    denied_tools: list[DeniedToolEntry] | None = Field(
        default=None,
        description="Deny patterns to check against the server's tools (default: the registered entry's own).",
    )
    write_tools: bool = Field(
        default=False,
        description=(
            "For a registered server: write the discovered tool names into its mcp_config.tools. Refused where "
            "that would let tools through its deny list (the gateway's '*' spares the keys of tools)."
        ),
    )
    allow_unhiding: bool = Field(
        default=False,
        description=(
            "With write_tools under a '*' deny list: true writes the names anyway, making every written tool "
            "visible through the gateway. Only when the person wants that."
        ),
    )

    @model_validator(mode="after")
    def _one_target(self) -> InspectArguments:
        if (self.config is None) == (self.saved_name is None):
            raise ValueError("give exactly one of 'config' (a server to try) or 'saved_name' (a registered server)")
        if self.write_tools and self.saved_name is None:
            raise ValueError("write_tools needs a registered server: give 'saved_name'")
        return self
