"""Every MCP tool as clients see it: name, title, description, argument and result models, annotations,
and the function that runs it (a `RegistryTool`, from `registry_mcp.toolkit`)."""

from __future__ import annotations

from typing import Any

from mcp_types import ToolAnnotations

from ..arguments import (
    AddServerArguments,
    BulkAddServersArguments,
    DeleteServerArguments,
    ExportArguments,
    ImportArguments,
    InspectArguments,
    ListServersArguments,
    ModifyServerArguments,
    ServerSelector,
    WriteExportArguments,
)
from ..results import (
    BulkAddResult,
    DeleteResult,
    ExportResult,
    GatewayListResult,
    ImportResult,
    InspectResult,
    ServerListResult,
    ServerResult,
    ValidationResult,
    WriteResult,
)
from ..toolkit import RegistryTool
from .configs import export_registry_servers, import_client_config
from .export_file import ask_to_write, write_registry_export
from .inspect import ask_to_inspect, inspect_mcp_server
from .servers import (
    add_registry_server,
    ask_to_delete,
    bulk_add_registry_servers,
    delete_registry_server,
    get_registry_server,
    list_registry_server_gateways,
    list_registry_servers,
    modify_registry_server,
    validate_registry_server,
)


def _annotations(*, read_only: bool, destructive: bool = False, idempotent: bool = False) -> ToolAnnotations:
    # open_world: the registry is an outside system whose state others change too.
    return ToolAnnotations(
        read_only_hint=read_only,
        destructive_hint=destructive if not read_only else None,
        idempotent_hint=idempotent,
        open_world_hint=True,
    )


TOOLS: tuple[RegistryTool[Any], ...] = (
    RegistryTool(
        name="add_registry_server",
        title="Add a server to the MCP registry",
        description=(
            "Register one MCP server in the registry, with the same fields as the registry's add-server API. "
            "mcp_config.config says how to run it: a local server as {command, args, env} or a remote one as "
            "{url, transport, headers}; denied_tools hides tools by name or glob. Fails if saved_name and "
            "server_version are already registered."
        ),
        arguments=AddServerArguments,
        result=ServerResult,
        annotations=_annotations(read_only=False),
        run=add_registry_server,
    ),
    RegistryTool(
        name="bulk_add_registry_servers",
        title="Add up to 100 servers to the MCP registry",
        description=(
            "Register 1 to 100 MCP servers at once, each as for add_registry_server. All of them are added, "
            "or, if any one is refused (invalid, or its name and version taken), none."
        ),
        arguments=BulkAddServersArguments,
        result=BulkAddResult,
        annotations=_annotations(read_only=False),
        run=bulk_add_registry_servers,
    ),
    RegistryTool(
        name="validate_registry_server",
        title="Check a server before adding it to the MCP registry",
        description=(
            "A dry run of add_registry_server with the same arguments: it writes nothing, says whether the name "
            "and version are free, and reports problems the registry would accept but that will bite later "
            "(plain-http URLs, inline secrets, guardrails without a policy, incomplete OAuth, deny patterns "
            "that never match, duplicates). add_registry_server returns the same warnings."
        ),
        arguments=AddServerArguments,
        result=ValidationResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=validate_registry_server,
    ),
    RegistryTool(
        name="get_registry_server",
        title="Read one server from the MCP registry",
        description="The whole registry record of one server, chosen by saved_name and server_version (default 'v1').",
        arguments=ServerSelector,
        result=ServerResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=get_registry_server,
    ),
    RegistryTool(
        name="modify_registry_server",
        title="Change a server in the MCP registry",
        description=(
            "Change some fields of a registered server; the fields left out keep their values. mcp_config is "
            "merged into the stored one (objects key by key, lists replaced), unless replace_mcp_config is true. "
            "Set is_active false to deactivate a server without deleting it. saved_name and server_version "
            "choose the server and cannot be changed."
        ),
        arguments=ModifyServerArguments,
        result=ServerResult,
        annotations=_annotations(read_only=False, idempotent=True),
        run=modify_registry_server,
    ),
    RegistryTool(
        name="delete_registry_server",
        title="Delete a server from the MCP registry",
        description=(
            "Delete a registered server. It first looks up the gateways that use it (they would lose it) and asks "
            "the person to confirm, showing them; where the client cannot ask, nothing is deleted unless confirm "
            "is true, which it must be only after the person agreed. The result lists those gateways. To only "
            "deactivate a server, set is_active false with modify_registry_server."
        ),
        arguments=DeleteServerArguments,
        result=DeleteResult,
        annotations=_annotations(read_only=False, destructive=True, idempotent=False),
        run=delete_registry_server,
        ask=ask_to_delete,
    ),
    RegistryTool(
        name="list_registry_servers",
        title="List the servers in the MCP registry",
        description=(
            "A page of registered servers in summary (name, version, active, package name, description, last "
            "update), with the total; filter on is_active. Use get_registry_server for a whole record."
        ),
        arguments=ListServersArguments,
        result=ServerListResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=list_registry_servers,
    ),
    RegistryTool(
        name="export_registry_servers",
        title="Export registry servers as a config block",
        description=(
            "Render registry servers (named ones, or every active one) as a config block to paste: "
            "'gateway' gives secure-mcp-gateway mcp_config[] entries (server_name is the saved_name; config, "
            "oauth_config, tools, denied_tools and the guardrail configs as the gateway reads them); 'mcpServers' "
            "a Claude Desktop, Cursor or Claude Code block; 'vscode' a .vscode/mcp.json block. Secret values "
            "are masked unless the server was started to show them."
        ),
        arguments=ExportArguments,
        result=ExportResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=export_registry_servers,
    ),
    RegistryTool(
        name="write_registry_export",
        title="Write registry servers into a config file",
        description=(
            "Write an export (as export_registry_servers, with the real secret values) straight into a file, so "
            "secrets never pass through the conversation: 'gateway' into secure-mcp-gateway's config (or a new "
            "file for its `config import`), 'mcpServers' / 'vscode' merged into a client's config file by server "
            "name. The person is asked first; the write is atomic, keeps a backup of a file it changes and its "
            "permissions (new files 0600). The result gives only the path and counts."
        ),
        arguments=WriteExportArguments,
        result=WriteResult,
        annotations=_annotations(read_only=False, destructive=True, idempotent=True),
        run=write_registry_export,
        ask=ask_to_write,
    ),
    RegistryTool(
        name="import_client_config",
        title="Import servers from an MCP client's config",
        description=(
            "Turn the servers in an MCP client's config (Claude Desktop, Cursor, VS Code, Claude Code; a file "
            "path or its JSON text) into registry payloads: saved_name from each entry's name (made valid, and "
            "reported where it changed), server_name and source_url inferred from npx/uvx commands. A dry run "
            "by default, showing payloads, problems and warnings; with confirm true it registers them in bulk "
            "adds of up to 100, each reported separately. Set confirm true only after the person agreed."
        ),
        arguments=ImportArguments,
        result=ImportResult,
        annotations=_annotations(read_only=False),
        run=import_client_config,
    ),
    RegistryTool(
        name="inspect_mcp_server",
        title="Inspect an MCP server",
        description=(
            "Connect to an MCP server as a client (a local one is started over stdio, a remote one reached over "
            "Streamable HTTP or SSE), from an inline config or a registered server, and report its name, "
            "version, capabilities and tools; with deny patterns (given, or the entry's own), which tools each "
            "blocks, which stay visible, and patterns that match nothing. The person is asked to confirm first, "
            "seeing the exact command, arguments and environment variable names, or the URL. write_tools puts "
            "the discovered tool names into a registered entry."
        ),
        arguments=InspectArguments,
        result=InspectResult,
        annotations=_annotations(read_only=False),
        run=inspect_mcp_server,
        ask=ask_to_inspect,
    ),
    RegistryTool(
        name="list_registry_server_gateways",
        title="List the gateways that use a registry server",
        description=(
            "The MCP gateways that reference a registered server: check this before deleting or deactivating it."
        ),
        arguments=ServerSelector,
        result=GatewayListResult,
        annotations=_annotations(read_only=True, idempotent=True),
        run=list_registry_server_gateways,
    ),
)
TOOL_NAMES = tuple(tool.name for tool in TOOLS)
