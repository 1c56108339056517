"""The tool that lists the gateways using a registry server (listed last: check it before a delete),
with the entry each one runs for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field

from registry_mcp.errors import RegistryError
from registry_mcp.gateway.cloud_mode import LOCAL_ONLY, OVERRIDES
from registry_mcp.gateway.effective import effective_entry
from registry_mcp.mcp.arguments import ServerSelector
from registry_mcp.mcp.results import ToolResult, fewer_items
from registry_mcp.mcp.toolkit import ToolCall, registry_tool
from registry_mcp.mcp.tools.servers import ALL_GATEWAYS
from registry_mcp.registry.client import RegistryClient
from registry_mcp.registry.models import DEFAULT_SERVER_VERSION, Gateway
from registry_mcp.secrets.masking import mask_secrets
from registry_mcp.wording import agreeing, counted


class GatewayUse(Gateway):
    """A gateway using the server, and what it runs for it."""

    effective: dict[str, Any] | None = Field(
        default=None,
        description="The entry this gateway runs for the server (secrets masked), as secure-mcp-gateway "
        "maps its cloud config: common_overrides, then this gateway's overrides, then the registry.",
    )
    effective_note: str | None = None


class GatewayListResult(ToolResult):
    saved_name: str
    server_version: str
    gateways: list[GatewayUse]
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
    """The gateways using a server and the entry each runs: check before deleting or deactivating it."""
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
        gateways=[await _use(gateway, args, call.registry) for gateway in gateways],
    )


async def _use(gateway: Gateway, server: ServerSelector, registry: RegistryClient) -> GatewayUse:
    use = GatewayUse.model_validate(gateway.to_api())
    if gateway.gateway_saved_name is None:
        use.effective_note = "The gateway has no saved name, so its config cannot be read."
        return use
    try:
        config = await registry.gateway_config(gateway.gateway_saved_name, gateway.gateway_version or "v1")
    except RegistryError as failure:
        use.effective_note = f"Its config could not be read: {failure}"
        return use
    item = next((item for item in config.expanded_servers if _is(item, server)), None)
    if item is None:
        use.effective_note = "Its config does not list this server."
    elif item.get("is_active") is False:
        use.effective_note = "The server is inactive there, so the gateway skips it."
    else:
        use.effective = mask_secrets(effective_entry(item, {}, config.common_overrides))
        record = item.get("mcp_config")
        unseen = [key for key in LOCAL_ONLY if isinstance(record, dict) and record.get(key)]
        if unseen:
            use.effective_note = (
                f"Shown without the gateway machine's {OVERRIDES}: a cloud-mode gateway applies "
                f"{' and '.join(unseen)} only from there (write_registry_export, format 'gateway_overrides')."
            )
    return use


def _is(item: dict[str, Any], server: ServerSelector) -> bool:
    name = item.get("saved_name") or item.get("server_name")
    return name == server.saved_name and item.get("server_version", DEFAULT_SERVER_VERSION) == server.server_version
