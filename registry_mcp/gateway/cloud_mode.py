"""What a cloud-mode secure-mcp-gateway (its `enkrypt` auth provider) takes from the registry, and
what it takes only from the `local_server_overrides` of its own config file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry_mcp.registry.models import RegistryServer

# Never read from the cloud's record: only from the top-level `local_server_overrides` of the gateway's
# own config file, keyed by saved name.
LOCAL_ONLY = ("denied_tools", "sandbox")
# Read from the cloud's record, and from that block where the cloud has none.
LOCAL_FALLBACK = ("oauth_config", "mcp_oauth")
OVERRIDES = "local_server_overrides"


def in_force(value: Any) -> bool:
    """Whether a stored setting does anything: a policy with `enabled` counts only when enabled."""
    if isinstance(value, dict) and "enabled" in value:
        return bool(value["enabled"])
    return bool(value)


def cloud_gateway_note(servers: list[RegistryServer]) -> str:
    """What a cloud-mode gateway does with these servers' local-only fields ('' where none is set)."""
    if not any(
        server.mcp_config is not None
        and any(in_force(server.mcp_config.to_api().get(key)) for key in (*LOCAL_ONLY, *LOCAL_FALLBACK))
        for server in servers
    ):
        return ""
    return (
        f" A gateway that fetches its config from this cloud registry applies denied_tools and sandbox (and "
        f"oauth_config, mcp_oauth where the cloud passes none) only from {OVERRIDES} in its own config file: "
        "write that block with write_registry_export, format 'gateway_overrides'."
    )
