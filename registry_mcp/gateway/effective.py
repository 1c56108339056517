"""The entry a cloud-mode secure-mcp-gateway runs for one server, worked out as its own code does.

    effective_entry(server, local_overrides, common_overrides)

`server` is one `expanded_servers[]` item of the gateway's config from the cloud
(`GET /mcp-gateway/get-gateway-config`: `saved_name`, `description`, `mcp_config`,
`gateway_overrides`, `is_active`). Precedence, as 2.2.4's `EnkryptAuthProvider._map_server` has it:
the input and output guardrails from `common_overrides`, else the server's `gateway_overrides`,
else its `mcp_config`; the tool guardrails from `common_overrides` only; `oauth_config` and
`mcp_oauth` from `gateway_overrides`, else `mcp_config`; and the local file's
`local_server_overrides[saved_name]` supplies `sandbox` and `denied_tools` (never read from the
cloud) and the OAuth fields where the cloud has none. `tests/gateway/test_effective_oracle.py`
checks it against the gateway's own function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry_mcp.gateway.cloud_mode import LOCAL_FALLBACK, LOCAL_ONLY
from registry_mcp.gateway.export import EMPTY_GUARDRAIL, TOOL_GUARDRAILS

_GUARDRAILS = ("input_guardrails_config", "output_guardrails_config")


def effective_entry(
    server: Mapping[str, Any],
    local_overrides: Mapping[str, Any] | None = None,
    common_overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The gateway's `mcp_config[]` entry for `server` (real values: mask before showing)."""
    common = _object(common_overrides)
    saved_name = server.get("saved_name") or server.get("server_name") or "unknown"
    cloud = _object(server.get("mcp_config"))
    overrides = _object(server.get("gateway_overrides"))

    def policy(name: str, *, common_only: bool = False) -> dict[str, Any]:
        if common.get(name):
            return {**EMPTY_GUARDRAIL, **common[name]}
        if common_only:
            return dict(EMPTY_GUARDRAIL)
        chosen = overrides.get(name) or cloud.get(name)
        return {**EMPTY_GUARDRAIL, **chosen} if chosen is not None else dict(EMPTY_GUARDRAIL)

    entry: dict[str, Any] = {
        "server_name": saved_name,
        "description": server.get("description", ""),
        "config": cloud.get("config", {}),
        "tools": cloud.get("tools", {}),
        TOOL_GUARDRAILS: policy(TOOL_GUARDRAILS, common_only=True),
        **{name: policy(name) for name in _GUARDRAILS},
    }
    for name in LOCAL_FALLBACK:  # a falsy override falls through to the record, as `or` does there
        value = overrides.get(name) or cloud.get(name)
        if value:
            entry[name] = value
    local = _object(_object(local_overrides).get(saved_name))
    for name in (*LOCAL_ONLY, *LOCAL_FALLBACK):
        if name not in entry and name in local:
            entry[name] = local[name]
    return entry


def _object(value: Any) -> Mapping[str, Any]:
    # The gateway writes `x or {}`: a missing, null or empty value is no object.
    return value if isinstance(value, Mapping) else {}
