"""Exporting registry servers: gateway entries keyed as secure-mcp-gateway reads them, client config
blocks, masking, and the deny list behaving under fnmatch as the registry describes."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from registry_mcp.gateway.denylist import is_denied
from registry_mcp.gateway.export import client_config, export, gateway_config, gateway_entry, masked_paths
from registry_mcp.registry.models import RegistryServer
from registry_mcp.secrets.masking import MASK

from .conftest import server_payload, text_of

# The keys secure-mcp-gateway 2.2.4 reads from one mcp_configs.<id>.mcp_config[] entry.
GATEWAY_ENTRY_KEYS = {
    "server_name", "description", "config", "oauth_config", "mcp_oauth", "tools", "denied_tools", "sandbox",
    "input_guardrails_config", "output_guardrails_config",
}  # fmt: skip


def _server(saved_name: str = "files", version: str = "v1", **mcp_config: Any) -> RegistryServer:
    config = {"config": {"command": "npx", "args": ["-y", "@m/files"], "env": {"API_TOKEN": "tok-1"}}} | mcp_config
    return RegistryServer.model_validate(
        {"saved_name": saved_name, "server_version": version, "is_active": True, "mcp_config": config}
    )


def test_a_gateway_entry_uses_exactly_the_gateways_keys(seed_response: dict[str, Any]) -> None:
    server = RegistryServer.model_validate(seed_response["data"] | {"mcp_config": {
        **seed_response["data"]["mcp_config"], "registry_only_key": 1,
    }})  # fmt: skip
    entry = gateway_entry(server)
    assert set(entry) <= GATEWAY_ENTRY_KEYS and {"server_name", "config", "tools", "denied_tools"} <= set(entry)
    assert entry["server_name"] == server.saved_name
    assert "registry_only_key" not in entry


def test_a_gateway_entry_masks_secrets_unless_asked() -> None:
    secret = _server(oauth_config={"enabled": True, "OAUTH_CLIENT_SECRET": "s3cret", "OAUTH_CLIENT_ID": "id"})
    masked = gateway_config([secret])["mcp_config"][0]
    assert masked["config"]["env"] == {"API_TOKEN": MASK} and masked["oauth_config"]["OAUTH_CLIENT_SECRET"] == MASK
    assert masked["oauth_config"]["OAUTH_CLIENT_ID"] == "id"
    revealed = gateway_config([secret], reveal_secrets=True)["mcp_config"][0]
    assert revealed["config"]["env"] == {"API_TOKEN": "tok-1"}


def test_exported_deny_lists_behave_under_fnmatch_as_the_registry_describes() -> None:
    denied = ["write_*", {"name": "delete_file", "reason": "destructive"}]
    entry = gateway_entry(_server(denied_tools=denied))
    assert entry["denied_tools"] == denied  # both forms kept, as the gateway reads them
    tools = ["write_file", "delete_file", "read_file", "Write_file", "writefile"]
    assert [tool for tool in tools if is_denied(tool, entry["denied_tools"])] == ["write_file", "delete_file"]
    # '*' denies every tool except the keys of `tools`.
    locked = gateway_entry(_server(denied_tools=["*"], tools={"read_file": {}}))
    assert [tool for tool in tools if not is_denied(tool, locked["denied_tools"], locked["tools"])] == ["read_file"]


def test_client_blocks_for_local_and_remote_servers() -> None:
    sse = {"url": "https://x.example/sse", "transport": "sse", "headers": {"Authorization": "Bearer t"}}
    remote = RegistryServer.model_validate(
        {"saved_name": "web", "server_version": "v1", "is_active": True, "mcp_config": {"config": sse}}
    )
    servers = [_server(), _server(version="v2"), remote]
    desktop = client_config(servers, "mcpServers")["mcpServers"]
    assert set(desktop) == {"files-v1", "files-v2", "web"}  # one name, two versions: told apart
    assert desktop["files-v1"] == {"command": "npx", "args": ["-y", "@m/files"], "env": {"API_TOKEN": MASK}}
    assert desktop["web"] == {"type": "sse", "url": "https://x.example/sse", "headers": {"Authorization": MASK}}
    vscode = client_config([_server()], "vscode", reveal_secrets=True)["servers"]
    assert vscode == {
        "files": {"type": "stdio", "command": "npx", "args": ["-y", "@m/files"], "env": {"API_TOKEN": "tok-1"}}
    }


@pytest.mark.anyio
async def test_the_export_tool_takes_every_active_server_or_the_named_ones(client: Client) -> None:
    env = {"config": {"command": "npx", "args": ["-y", "@m/x"], "env": {"TOKEN": "abc"}}}
    await client.call_tool("add_registry_server", server_payload("one", mcp_config=env))
    await client.call_tool("add_registry_server", server_payload("two"))
    await client.call_tool("add_registry_server", server_payload("off", is_active=False))

    every = await client.call_tool("export_registry_servers", {"format": "gateway"})
    assert every.structured_content is not None, text_of(every)
    entries = every.structured_content["config"]["mcp_config"]
    assert [entry["server_name"] for entry in entries] == ["one", "two"]  # the inactive one is left out
    assert entries[0]["config"]["env"] == {"TOKEN": MASK} and "abc" not in text_of(every)

    # Named, an inactive server is left out too, as gateways skip it, and said so.
    named = await client.call_tool("export_registry_servers", {"format": "vscode", "servers": [{"saved_name": "off"}]})
    assert named.structured_content is not None
    assert named.structured_content["config"]["servers"] == {}
    assert named.structured_content["skipped"] == [
        "off v1: it is inactive (is_active false), and gateways skip inactive servers; activate it with "
        "modify_registry_server to export it"
    ]

    missing = await client.call_tool(
        "export_registry_servers", {"format": "gateway", "servers": [{"saved_name": "no"}]}
    )
    assert missing.is_error and "HTTP 404" in text_of(missing)
    wrong = await client.call_tool("export_registry_servers", {"format": "yaml"})
    assert wrong.is_error and "format" in text_of(wrong)


def test_different_tool_guardrails_are_placed_on_their_own_entries() -> None:
    first = _server("one", tool_guardrails_config={"enabled": True, "guardrail_name": "A"})
    second = _server("two", tool_guardrails_config={"enabled": True, "guardrail_name": "B"})
    off = _server("three", tool_guardrails_config={"enabled": False, "guardrail_name": "C"})
    rendered = export([first, second, off], "gateway")
    assert "common_overrides" not in rendered.config
    policies = [entry.get("server_tools_guardrails_config") for entry in rendered.config["mcp_config"]]
    assert [policy and policy["guardrail_name"] for policy in policies] == ["A", "B", None]
    [note] = rendered.notes
    assert "one, two differ" in note and "applies a per-server one" in note


def test_masked_paths_name_every_mask() -> None:
    block = gateway_config([_server(oauth_config={"enabled": True, "OAUTH_CLIENT_SECRET": "s"})], reveal_secrets=True)
    assert masked_paths(block) == [
        "mcp_config[0].config.env.API_TOKEN",
        "mcp_config[0].oauth_config.OAUTH_CLIENT_SECRET",
    ]


@pytest.mark.anyio
async def test_an_empty_registry_says_there_is_nothing_registered(client: Client, tmp_path: Any) -> None:
    exported = await client.call_tool("export_registry_servers", {"format": "gateway"})
    assert exported.structured_content is not None
    assert exported.structured_content["message"] == "Nothing to export: the registry has no active server registered."
    written = await client.call_tool(
        "write_registry_export", {"format": "gateway", "path": str(tmp_path / "x.json"), "confirm": True}
    )
    assert written.is_error and "the registry has no active server registered" in text_of(written)
    assert "mcp_config" not in text_of(written)
