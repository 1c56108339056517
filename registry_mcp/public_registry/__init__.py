"""The official MCP Registry (and its mirrors): searching and reading it, and turning its records
(`server.json`) into entries of the Enkrypt registry."""

from registry_mcp.errors import MappingError, NotInPublicRegistry
from registry_mcp.public_registry.client import DEFAULT_PUBLIC_REGISTRY_URL, PublicRegistry
from registry_mcp.public_registry.mapping import Mapped, ToSupply, missing_value, to_entry

__all__ = [
    "DEFAULT_PUBLIC_REGISTRY_URL",
    "Mapped",
    "MappingError",
    "NotInPublicRegistry",
    "PublicRegistry",
    "ToSupply",
    "missing_value",
    "to_entry",
]
