"""The MCP tools: the functions that run them (`servers`, `configs`, `inspect`) and the table that
describes each one to clients (`catalog`)."""

from registry_mcp.mcp.tools.catalog import TOOL_NAMES, TOOLS

__all__ = ["TOOLS", "TOOL_NAMES"]
