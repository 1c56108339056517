"""What the SDK runs for a tool: its `Steps`, and the function the SDK calls (`sdk_function`).

Kept apart from `registry_mcp.mcp.toolkit` so that a tool listed from the catalog's listing can be
served without importing the toolkit's models until it is first called.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult

from registry_mcp.mcp.permissions import Acting, Asking, asking_call
from registry_mcp.mcp.sdk import annotate


@dataclass(frozen=True)
class Steps:
    """What the SDK runs for a tool: `run` on the call's arguments, or, for a tool that asks first,
    `question` (looks up the facts and words the question), then `act` on the person's answer."""

    run: Callable[[dict[str, Any], Context[Any, Any]], Awaitable[CallToolResult]]
    question: Asking | None = None
    act: Acting | None = None


def sdk_function(steps: Steps) -> Callable[..., Awaitable[CallToolResult]]:
    """The function the SDK calls for a tool with these steps."""
    if steps.question is not None and steps.act is not None:
        return asking_call(steps.question, steps.act)
    run = steps.run

    async def call(arguments: dict[str, Any], ctx: Context[Any, Any]) -> CallToolResult:
        return await run(arguments, ctx)

    return annotate(call, {"arguments": dict[str, Any], "ctx": Context, "return": CallToolResult})
