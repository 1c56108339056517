"""The embedded registry: the registry's HTTP API served in-process from SQLite.

It lets registry-mcp work with no account, and gives the tests a real registry to talk to. The
MCP layer never imports it: it is reached through `RegistryClient.embedded`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry_mcp.registry.embedded.app import create_app
    from registry_mcp.registry.embedded.store import RegistryStore

__all__ = ["RegistryStore", "create_app"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the start-up check of the file (database_file.py) needs neither.
    if name == "RegistryStore":
        from registry_mcp.registry.embedded.store import RegistryStore

        return RegistryStore
    if name == "create_app":
        from registry_mcp.registry.embedded.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
