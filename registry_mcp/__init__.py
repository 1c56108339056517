"""registry-mcp: the Enkrypt AI MCP Registry for AI assistants, as an MCP server and a Python client.

from registry_mcp import RegistryClient

async with RegistryClient.embedded("registry.db") as registry:
    await registry.add_server({"saved_name": "files", "mcp_config": {"config": {"command": "npx"}}})
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Each public name and the module that holds it, imported on first use: a program that runs only
# part of registry-mcp (the server starting, say) does not pay for the client and its models.
_HOMES = {
    **dict.fromkeys(
        [
            "AuthenticationError",
            "InvalidRequest",
            "RateLimited",
            "RegistryError",
            "RegistryTimeout",
            "RegistryUnavailable",
            "ResponseTooLarge",
            "ServerConflict",
            "ServerNotFound",
            "UnexpectedResponse",
        ],
        "registry_mcp.errors",
    ),
    "RegistryClient": "registry_mcp.registry.client",
    "RegistryLocation": "registry_mcp.registry.endpoints",
    **dict.fromkeys(
        [
            "DeniedTool",
            "Gateway",
            "GuardrailConfig",
            "LocalServerConfig",
            "McpConfig",
            "OAuthConfig",
            "RegistryServer",
            "RemoteServerConfig",
            "ServerChanges",
            "ServerPage",
            "ServerPayload",
        ],
        "registry_mcp.registry.models",
    ),
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
