"""The MCP server: the registry's tools (`registry_mcp.tools`), its servers as resources, two prompts.

    server = create_server(Settings.from_env())
    server.run()          # stdio

The tools reach the registry only through `RegistryClient`, opened once per connection by the
server's lifespan; which registry that is (cloud or embedded) is decided by `Settings`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from mcp.server import MCPServer
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.context import ServerRequestContext
from mcp_types import ListResourcesResult, PaginatedRequestParams

from . import __version__
from .client import RegistryClient
from .prompts import add_prompts
from .resources import add_server_resources, list_resources_with_servers
from .settings import Settings
from .toolkit import RegistryTool
from .tools import TOOL_NAMES, TOOLS

SERVER_NAME = "registry-mcp"
__all__ = ["SERVER_NAME", "TOOLS", "TOOL_NAMES", "create_server", "selected_tools"]


def selected_tools(settings: Settings) -> tuple[RegistryTool[Any], ...]:
    """The tools `settings` exposes: those matching its allow-list (all if it has none), and of
    those only the read-only ones in read-only mode, whatever the allow-list says."""
    return tuple(
        tool
        for tool in TOOLS
        if (not settings.tools or any(fnmatch.fnmatchcase(tool.name, pattern) for pattern in settings.tools))
        and (tool.annotations.read_only_hint or not settings.read_only)
    )


class RegistryMCPServer(MCPServer[RegistryClient]):
    """`MCPServer`, with the registry's servers listed among its resources."""

    async def _handle_list_resources(
        self, ctx: ServerRequestContext[RegistryClient], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        return await list_resources_with_servers(self, ctx, params)


def create_server(
    settings: Settings, *, oauth: tuple[TokenVerifier, AuthSettings] | None = None
) -> MCPServer[RegistryClient]:
    """The MCP server for `settings`: the tools it allows, on the registry it names. Over HTTP, `oauth`
    (a token verifier and the resource's auth settings) has the SDK require an identity provider's tokens."""

    @asynccontextmanager
    async def open_registry(_: MCPServer[RegistryClient]) -> AsyncIterator[RegistryClient]:
        async with settings.open_client() as registry:
            yield registry

    tools = selected_tools(settings)
    server = RegistryMCPServer(
        SERVER_NAME,
        title="Enkrypt AI MCP Registry",
        version=__version__,
        instructions=(
            f"Manages the MCP servers registered in {settings.location}. Check a server with "
            "validate_registry_server, register it with add_registry_server (or up to 100 with "
            "bulk_add_registry_servers), browse with "
            "list_registry_servers, read one with get_registry_server, change or deactivate it with "
            "modify_registry_server, and check list_registry_server_gateways before delete_registry_server. "
            "inspect_mcp_server shows what a server offers (after the person agrees to start it); "
            "import_client_config and export_registry_servers move servers between client configs, the "
            "registry and the gateway. A server is named by saved_name and server_version (default 'v1')."
        ),
        tools=[
            tool.to_mcp(
                reveal_secrets=settings.show_secrets,
                launch_without_asking=settings.allow_launch,
                over_http=settings.over_http,
            )
            for tool in tools
        ],
        lifespan=open_registry,
        token_verifier=oauth[0] if oauth else None,
        auth=oauth[1] if oauth else None,
    )
    add_server_resources(server, reveal_secrets=settings.show_secrets)
    add_prompts(server)
    return server
