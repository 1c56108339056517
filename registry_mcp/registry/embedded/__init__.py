"""The embedded registry: the registry's HTTP API served in-process from SQLite.

It lets registry-mcp work with no account, and gives the tests a real registry to talk to. The
MCP layer never imports it: it is reached through `RegistryClient.embedded`.
"""

from registry_mcp.registry.embedded.app import create_app
from registry_mcp.registry.embedded.store import RegistryStore

__all__ = ["RegistryStore", "create_app"]
