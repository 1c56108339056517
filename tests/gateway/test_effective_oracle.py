"""Our effective entry beside secure-mcp-gateway's own `EnkryptAuthProvider._map_server`, case by case:
each case is one `expanded_servers[]` item of a gateway's cloud config, the local file's
`local_server_overrides` and the gateway-wide `common_overrides`; both must give the same entry."""

from __future__ import annotations

from typing import Any

from registry_mcp.gateway.effective import effective_entry

from .oracle import Gateway

LOCAL = {"command": "npx", "args": ["-y", "@m/files"], "env": {"TOKEN": "t-1"}}
REMOTE = {"url": "https://mcp.example/mcp", "headers": {"Authorization": "Bearer b-2"}}
STRICT = {"enabled": True, "guardrail_name": "strict", "block": ["pii"]}
LOOSE = {"enabled": True, "guardrail_name": "loose"}
OAUTH = {"OAUTH_ENABLED": True, "OAUTH_CLIENT_ID": "registry"}
OAUTH_GW = {"OAUTH_ENABLED": True, "OAUTH_CLIENT_ID": "gateway"}
OAUTH_LOCAL = {"OAUTH_ENABLED": True, "OAUTH_CLIENT_ID": "local"}
DENY = {"denied_tools": ["write_*"], "sandbox": {"enabled": True}}


def _server(name: str = "files", mcp: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {"saved_name": name, "description": "d", "mcp_config": {"config": LOCAL, **(mcp or {})}, **fields}


# (server, local_server_overrides, common_overrides)
CASES: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]] = [
    # The record alone.
    (_server(), {}, None),
    (_server(mcp={"config": REMOTE, "tools": {"read": {}}}), {}, None),
    ({"server_name": "old-name", "mcp_config": {"config": LOCAL}}, {}, None),
    ({"mcp_config": {"config": LOCAL}}, {}, None),
    ({"saved_name": "bare"}, {}, None),
    (_server(description=None), {}, None),
    # Input and output guardrails: common, then gateway_overrides, then the record.
    (_server(mcp={"input_guardrails_config": LOOSE}), {}, None),
    (_server(mcp={"input_guardrails_config": LOOSE}, gateway_overrides={"input_guardrails_config": STRICT}), {}, None),
    (
        _server(mcp={"input_guardrails_config": LOOSE}, gateway_overrides={"input_guardrails_config": LOOSE}),
        {},
        {"input_guardrails_config": STRICT},
    ),
    (_server(mcp={"output_guardrails_config": {}}), {}, None),
    (_server(mcp={"output_guardrails_config": LOOSE}, gateway_overrides={"output_guardrails_config": {}}), {}, None),
    (_server(mcp={"output_guardrails_config": LOOSE}), {}, {"output_guardrails_config": {}}),
    (_server(gateway_overrides=None), {}, {}),
    # Tool guardrails: common only.
    (_server(mcp={"tool_guardrails_config": STRICT}), {}, None),
    (_server(gateway_overrides={"server_tools_guardrails_config": STRICT}), {}, None),
    (_server(), {}, {"server_tools_guardrails_config": {"enabled": True}}),
    (_server(mcp={"server_tools_guardrails_config": LOOSE}), {}, {"server_tools_guardrails_config": STRICT}),
    # OAuth: gateway_overrides, then the record, then the local file.
    (_server(mcp={"oauth_config": OAUTH}), {}, None),
    (_server(mcp={"oauth_config": OAUTH}, gateway_overrides={"oauth_config": OAUTH_GW}), {}, None),
    (_server(mcp={"oauth_config": OAUTH}, gateway_overrides={"oauth_config": {}}), {}, None),
    (_server(mcp={"oauth_config": OAUTH}), {"files": {"oauth_config": OAUTH_LOCAL}}, None),
    (_server(), {"files": {"oauth_config": OAUTH_LOCAL, "mcp_oauth": {"enabled": True}}}, None),
    (_server(mcp={"mcp_oauth": {"enabled": True}}, gateway_overrides={"mcp_oauth": {"enabled": False}}), {}, None),
    (_server(mcp={"oauth_config": {}}), {"files": {"oauth_config": OAUTH_LOCAL}}, None),
    # Deny lists and sandbox: only from the local file, keyed by saved name.
    (_server(mcp=DENY), {}, None),
    (_server(mcp=DENY, gateway_overrides=DENY), {}, None),
    (_server(), {"files": DENY}, None),
    (_server(), {"other": DENY}, None),
    (_server(), {"files": {"denied_tools": []}}, None),
    (_server(), {"files": {"denied_tools": None, "tools": {"x": {}}, "config": REMOTE}}, None),
    (_server(mcp={"denied_tools": ["*"]}), {"files": {"denied_tools": ["delete_*"]}}, None),
    (_server(), {"files": {}}, None),
    (_server(), {"files": None}, None),
    ({"server_name": "old-name", "mcp_config": {"config": LOCAL}}, {"old-name": DENY}, None),
    # Everything at once.
    (
        _server(
            mcp={"oauth_config": OAUTH, "input_guardrails_config": LOOSE, **DENY},
            gateway_overrides={"output_guardrails_config": STRICT},
            is_active=True,
        ),
        {"files": {**DENY, "oauth_config": OAUTH_LOCAL}},
        {"input_guardrails_config": STRICT, "server_tools_guardrails_config": LOOSE},
    ),
]


def test_there_are_at_least_twenty_cases() -> None:
    assert len(CASES) >= 20


def test_our_effective_entry_is_the_gateways_own_on_every_case(gateway: Gateway) -> None:
    operations = [
        {"op": "map_server", "servers": [server], "local_overrides": local, "common_overrides": common}
        for server, local, common in CASES
    ]
    answers = gateway.run(*operations)
    for (server, local, common), [theirs] in zip(CASES, answers, strict=True):
        assert effective_entry(server, local, common) == theirs, (server, local, common)
