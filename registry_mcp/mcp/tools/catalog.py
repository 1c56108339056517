"""Every MCP tool registry-mcp serves, in the order clients list them.

Each tool is declared once, beside its run function, with `@registry_tool(...)`
(`registry_mcp.mcp.toolkit`); importing the modules below declares them, in that order. A tool in a new
module needs that module imported here, and nothing else.
"""

from __future__ import annotations

from typing import Any

from registry_mcp.mcp.toolkit import DECLARED, RegistryTool

# Importing a module declares its tools; clients list them in this order.
from registry_mcp.mcp.tools import servers  # noqa: F401

# isort: split
from registry_mcp.mcp.tools import configs, export_file, inspect  # noqa: F401

# isort: split
from registry_mcp.mcp.tools import gateways  # noqa: F401

# isort: split
from registry_mcp.mcp.tools import public  # noqa: F401

TOOLS: tuple[RegistryTool[Any], ...] = DECLARED.tools
TOOL_NAMES = tuple(tool.name for tool in TOOLS)
