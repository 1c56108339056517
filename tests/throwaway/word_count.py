"""A throwaway read-only tool, written by following docs/adding-a-tool.md: this module is all of it.

A real tool module lives in registry_mcp/mcp/tools/ and declares with `registry_tool`; this one
declares into its own `ToolSet` (the same decorator), so that registry-mcp's catalog stays as it is.
"""

from __future__ import annotations

from pydantic import Field

from registry_mcp.mcp.arguments import ServerSelector
from registry_mcp.mcp.results import ToolResult
from registry_mcp.mcp.toolkit import ToolCall, ToolSet

THROWAWAY = ToolSet()


class WordCountResult(ToolResult):
    words: int = Field(description="Words in the server's description.")


@THROWAWAY.declare(
    title="Count a server's words", hint="count the words of a server's description.", read_only=True, idempotent=True
)
async def count_server_words(args: ServerSelector, call: ToolCall) -> WordCountResult:
    """How many words a registered server's description holds."""
    server = await call.registry.get_server(args.saved_name, args.server_version)
    words = len((server.description or "").split())
    return WordCountResult(
        message=f"'{args.saved_name}' is described in {words} words.", registry=call.registry_info, words=words
    )
