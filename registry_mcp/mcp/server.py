"""The MCP server: the registry's tools (`registry_mcp.mcp.tools`), its servers as resources, two prompts.

    server = create_server(Settings.from_env())
    server.run()          # stdio

The tools reach the registry only through `RegistryClient`, opened on first use for each connection by the
server's lifespan; which registry that is (cloud or embedded) is decided by `Settings`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol

from mcp.server import MCPServer
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings

from registry_mcp import __version__
from registry_mcp.mcp.permissions import selected_tools
from registry_mcp.mcp.prompts import add_prompts
from registry_mcp.mcp.registries import ServedRegistry
from registry_mcp.mcp.resources import add_server_resources, list_resources_with_servers
from registry_mcp.mcp.sdk import ResourceListingServer
from registry_mcp.mcp.tools import TOOL_NAMES, listed_tools
from registry_mcp.settings import Settings

SERVER_NAME = "registry-mcp"
__all__ = ["SERVER_NAME", "TOOL_NAMES", "ServedTool", "create_server", "instructions", "selected_tools"]

if TYPE_CHECKING:
    from mcp.server.mcpserver.tools import Tool
    from mcp_types import ToolAnnotations


class ServedTool(Protocol):
    """A tool the server can serve: declared (`toolkit.RegistryTool`) or listed (`catalog.ListedTool`)."""

    @property
    def name(self) -> str: ...

    @property
    def hint(self) -> str: ...

    @property
    def annotations(self) -> ToolAnnotations: ...

    def to_mcp(self, settings: Settings | None = None) -> Tool: ...


def instructions(settings: Settings, tools: Sequence[ServedTool]) -> str:
    """What the server tells the model up front: the registry, then one line per exposed tool."""
    return "\n".join(
        [
            f"Manages the MCP servers registered in {settings.location}. A server is named by saved_name and "
            "server_version (default 'v1'). The tools:",
            *(f"- {tool.name}: {tool.hint}" for tool in tools),
        ]
    )


def create_server(
    settings: Settings,
    tools: Sequence[ServedTool] | None = None,
    *,
    oauth: tuple[TokenVerifier, AuthSettings] | None = None,
) -> MCPServer[ServedRegistry]:
    """The MCP server for `settings`: the `tools` it allows (by default every tool registry-mcp
    declares, listed from the catalog without importing them), on the registry it names. Over
    HTTP, `oauth` (a token verifier and this resource's auth settings) has the SDK require an
    identity provider's access tokens."""

    @asynccontextmanager
    async def open_registry(_: MCPServer[ServedRegistry]) -> AsyncIterator[ServedRegistry]:
        registry = ServedRegistry(settings)
        try:
            yield registry
        finally:
            await registry.aclose()

    exposed = selected_tools(settings, listed_tools() if tools is None else tools)
    server = ResourceListingServer[ServedRegistry](
        SERVER_NAME,
        title="Enkrypt AI MCP Registry",
        version=__version__,
        instructions=instructions(settings, exposed),
        tools=[tool.to_mcp(settings) for tool in exposed],
        lifespan=open_registry,
        token_verifier=oauth[0] if oauth else None,
        auth=oauth[1] if oauth else None,
    )
    # The registry's servers are listed among the resources, a page at a time.
    server.list_resources_with = list_resources_with_servers
    add_server_resources(server, reveal_secrets=settings.show_secrets)
    add_prompts(server)
    return server
