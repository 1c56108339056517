"""The tool that lists the gateways using a registry server (listed last: check it before a delete)."""

from __future__ import annotations

from collections.abc import Iterator

from registry_mcp.mcp.arguments import ServerSelector
from registry_mcp.mcp.results import ToolResult, fewer_items
from registry_mcp.mcp.toolkit import ToolCall, registry_tool
from registry_mcp.mcp.tools.servers import ALL_GATEWAYS
from registry_mcp.registry.models import Gateway
from registry_mcp.wording import agreeing, counted


class GatewayListResult(ToolResult):
    saved_name: str
    server_version: str
    gateways: list[Gateway]
    note: str | None = None

    def smaller(self) -> Iterator[GatewayListResult]:
        return fewer_items(self, "gateways", ALL_GATEWAYS)


@registry_tool(
    title="List the gateways that use a registry server",
    hint="list the gateways that use a server: check it before deleting or deactivating one.",
    read_only=True,
    idempotent=True,
)
async def list_registry_server_gateways(args: ServerSelector, call: ToolCall) -> GatewayListResult:
    """The gateways that use a registered server: check before deleting or deactivating it."""
    gateways = await call.registry.list_gateways(args.saved_name, args.server_version)
    subject = f"'{args.saved_name}' version '{args.server_version}'"
    message = (
        f"{counted(len(gateways), 'gateway')} {agreeing(len(gateways), 'uses', 'use')} {subject}."
        if gateways
        else f"No gateway uses {subject}."
    )
    if not gateways and call.location.kind == "embedded":
        message += " None can in the embedded registry: gateways are created in the Enkrypt AI cloud registry."
    return GatewayListResult(
        message=message,
        registry=call.registry_info,
        saved_name=args.saved_name,
        server_version=args.server_version,
        gateways=gateways,
    )
