"""The tool arguments several tools share, and what every tool's arguments follow.

Each tool's input schema is derived from its argument model (`registry_mcp.mcp.schemas`), and the same
model validates a call's arguments. Top-level arguments are closed (`model_config = CLOSED`), so a
misspelt argument is reported instead of silently dropped; nested API objects stay open, so keys
the models do not know still reach the registry. A model only one tool uses sits beside that tool
(`registry_mcp.mcp.tools`).
"""

from __future__ import annotations

from pydantic import ConfigDict, Field

from registry_mcp.registry.models import SavedName, ServerIdentity, ServerPayload

CLOSED = ConfigDict(extra="forbid")
# The `confirm` of a tool that asks the person first (the SDK puts the question where the client can ask).
CONFIRM_WHERE_CLIENT_CANNOT_ASK = "Only where the client cannot ask: true once the person agreed."


class AddServerArguments(ServerPayload):
    model_config = CLOSED


class ServerSelector(ServerIdentity):
    """Names one registry server."""

    model_config = CLOSED

    saved_name: SavedName = Field(description="The name it is registered under.")
