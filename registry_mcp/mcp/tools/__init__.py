"""The MCP tools, one module each (or a few related ones): the catalog (`catalog`) lists them without
importing them; `TOOLS` (every declared tool, each module imported) is built on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from registry_mcp.mcp.tools.catalog import TOOL_NAMES, declared_tools, listed_tools

if TYPE_CHECKING:
    from registry_mcp.mcp.toolkit import RegistryTool

__all__ = ["TOOLS", "TOOL_NAMES", "declared_tools", "listed_tools"]


def __getattr__(name: str) -> tuple[RegistryTool[Any], ...]:
    if name == "TOOLS":
        return declared_tools()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
