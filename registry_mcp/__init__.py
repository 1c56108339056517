"""registry-mcp: the Enkrypt AI MCP Registry for AI assistants, as an MCP server and a Python client.

from registry_mcp import RegistryClient

async with RegistryClient.embedded("registry.db") as registry:
    await registry.add_server({"saved_name": "files", "mcp_config": {"config": {"command": "npx"}}})
"""

from registry_mcp.errors import (
    AuthenticationError,
    InvalidRequest,
    RateLimited,
    RegistryError,
    RegistryTimeout,
    RegistryUnavailable,
    ResponseTooLarge,
    ServerConflict,
    ServerNotFound,
    UnexpectedResponse,
)
from registry_mcp.registry.client import RegistryClient, RegistryLocation
from registry_mcp.registry.models import (
    DeniedTool,
    Gateway,
    GuardrailConfig,
    LocalServerConfig,
    McpConfig,
    OAuthConfig,
    RegistryServer,
    RemoteServerConfig,
    ServerChanges,
    ServerPage,
    ServerPayload,
)

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "DeniedTool",
    "Gateway",
    "GuardrailConfig",
    "InvalidRequest",
    "LocalServerConfig",
    "McpConfig",
    "OAuthConfig",
    "RateLimited",
    "RegistryClient",
    "RegistryError",
    "RegistryLocation",
    "RegistryServer",
    "RegistryTimeout",
    "RegistryUnavailable",
    "RemoteServerConfig",
    "ResponseTooLarge",
    "ServerChanges",
    "ServerConflict",
    "ServerNotFound",
    "ServerPage",
    "ServerPayload",
    "UnexpectedResponse",
    "__version__",
]
