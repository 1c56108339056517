"""Every MCP tool registry-mcp serves, in the order clients list them.

Each tool is declared once, beside its run function, with `@registry_tool(...)`
(`registry_mcp.mcp.toolkit`), in a module of this folder: importing the modules declares them
(`declared_tools`), those of `ORDER` first, in that order, then any other module of the folder.

The server does not import them to start. It lists the tools from `listing.json`, what each tool
shows clients (name, title, description, schemas, annotations) with its module, its line of the
instructions and whether it asks first (`listed_tools`); a tool's module is imported on its first
call. The listing is generated (`listing`) and rewritten with the tools' snapshot files
(`python -m tests.snapshot --update`); tests/test_snapshot.py fails while it differs from what the
modules declare.
"""

from __future__ import annotations

import functools
import importlib
import json
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcp_types import ToolAnnotations

from registry_mcp.mcp.sdk import function_tool
from registry_mcp.mcp.steps import Steps, sdk_function

if TYPE_CHECKING:
    from mcp.server.mcpserver import Context
    from mcp.server.mcpserver.tools import Tool
    from mcp_types import CallToolResult

    from registry_mcp.mcp.permissions import Consent, Question
    from registry_mcp.mcp.toolkit import RegistryTool
    from registry_mcp.settings import Settings

PACKAGE = "registry_mcp.mcp.tools"
ORDER = ("servers", "configs", "export_file", "inspect", "gateways", "public")
"""The modules whose tools are listed first, in this order; any other module of the folder follows."""
NOT_TOOLS = frozenset({"catalog"})
LISTING = Path(__file__).with_name("listing.json")


def tool_modules() -> list[str]:
    """The modules that declare tools, in the order their tools are listed."""
    found = {module.name for module in pkgutil.iter_modules([str(Path(__file__).parent)])} - NOT_TOOLS
    return [name for name in ORDER if name in found] + sorted(found - set(ORDER))


@functools.cache
def declared_tools() -> tuple[RegistryTool[Any], ...]:
    """Every tool, its module imported."""
    from registry_mcp.mcp.toolkit import DECLARED

    for module in tool_modules():
        importlib.import_module(f"{PACKAGE}.{module}")
    return DECLARED.tools


def listing(tools: tuple[RegistryTool[Any], ...] | None = None) -> str:
    """The text of `listing.json` for `tools` (by default every declared tool)."""
    entries = []
    for tool in declared_tools() if tools is None else tools:
        served = tool.to_mcp()
        definition = {
            "name": tool.name,
            "title": tool.title,
            "description": tool.description,
            "inputSchema": served.parameters,
            "outputSchema": served.output_schema,
            "annotations": tool.annotations.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
        module = tool.run.__module__.removeprefix(f"{PACKAGE}.")
        entries.append({"module": module, "hint": tool.hint, "asks": tool.ask is not None, "tool": definition})
    return json.dumps(entries, indent=1, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class ListedTool:
    """A tool as the listing holds it: what `tools/list` and the instructions need, and where its code is."""

    name: str
    module: str
    hint: str
    asks: bool
    annotations: ToolAnnotations
    definition: dict[str, Any] = field(repr=False)

    def load(self) -> RegistryTool[Any]:
        """The declared tool, its module imported (once)."""
        from registry_mcp.mcp.toolkit import DECLARED

        importlib.import_module(f"{PACKAGE}.{self.module}")
        return next(tool for tool in DECLARED.tools if tool.name == self.name)

    def to_mcp(self, settings: Settings | None = None) -> Tool:
        """The SDK's tool, built from the listing: its module is imported on the first call."""

        @functools.cache
        def loaded() -> Steps:
            from registry_mcp.settings import Settings

            return self.load().steps(settings or Settings())

        async def run(arguments: dict[str, Any], ctx: Context[Any, Any]) -> CallToolResult:
            return await loaded().run(arguments, ctx)

        async def question(arguments: dict[str, Any], ctx: Context[Any, Any]) -> Question:
            asking = loaded().question
            assert asking is not None
            return await asking(arguments, ctx)

        async def act(
            arguments: dict[str, Any], ctx: Context[Any, Any], consent: Consent, facts: Any
        ) -> CallToolResult:
            acting = loaded().act
            assert acting is not None
            return await acting(arguments, ctx, consent, facts)

        steps = Steps(run=run, question=question, act=act) if self.asks else Steps(run=run)
        return function_tool(
            sdk_function(steps),
            shared_signature=not self.asks,
            name=self.name,
            title=self.definition["title"],
            description=self.definition["description"],
            annotations=self.annotations.model_copy(update={"title": self.definition["title"]}),
            input_schema=self.definition["inputSchema"],
            output_schema=self.definition["outputSchema"],
        )


@functools.cache
def listed_tools() -> tuple[ListedTool, ...]:
    """Every tool, from the listing (or, were it missing, from the modules themselves)."""
    try:
        entries = json.loads(LISTING.read_text(encoding="utf-8"))
    except FileNotFoundError:
        entries = json.loads(listing())
    return tuple(
        ListedTool(
            name=entry["tool"]["name"],
            module=entry["module"],
            hint=entry["hint"],
            asks=entry["asks"],
            annotations=ToolAnnotations.model_validate(entry["tool"]["annotations"]),
            definition=entry["tool"],
        )
        for entry in entries
    )


TOOL_NAMES = tuple(tool.name for tool in listed_tools())
