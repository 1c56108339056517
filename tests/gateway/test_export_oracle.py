"""What export_registry_servers gives, run by secure-mcp-gateway 2.2.4's own code: its CLI's
`config import`, `config validate` and `config list-servers`, its runtime loader, and its cloud
mapping of a registry record (`EnkryptAuthProvider._map_server`), which the export agrees with field
for field except where the README says why."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.secrets.masking import MASK
from registry_mcp.settings import Settings

from ..conftest import text_of
from .conftest import export_and_read
from .oracle import Gateway

pytestmark = pytest.mark.anyio

TOOL_POLICY = {"enabled": True, "guardrail_name": "Tool Policy", "block": ["injection_attack"]}
RECORDS: list[dict[str, Any]] = [
    {
        "saved_name": "files",
        "description": "Files",
        "mcp_config": {
            "config": {"command": "npx", "args": ["-y", "@m/files"], "env": {"API_TOKEN": "tok-1"}},
            "tools": {"read_file": {}},
            "denied_tools": ["write_*", {"name": "delete_file", "reason": "destructive"}],
            "input_guardrails_config": {"enabled": True, "guardrail_name": "Input Policy", "block": ["pii"]},
            "tool_guardrails_config": TOOL_POLICY,
            "enable_server_info_validation": True,
        },
    },
    {"saved_name": "files", "server_version": "v2", "mcp_config": {"config": {"command": "uvx"}}},  # no args
    {
        "saved_name": "web",
        "description": "Web",
        "mcp_config": {
            "config": {
                "url": "https://web.example/sse",
                "transport": "sse",
                "headers": {"Authorization": "Bearer h-1"},
            },
            "oauth_config": {"enabled": True, "OAUTH_CLIENT_ID": "id-1", "OAUTH_CLIENT_SECRET": "sec-1"},
            "mcp_oauth": {"enabled": True, "scope": "read"},
            "sandbox": {"enabled": False},
            "registry_only": 1,
        },
    },
    {"saved_name": "bare", "description": "registered before it had a config"},
]
CHOSEN = [
    {"saved_name": "files"},
    {"saved_name": "files", "server_version": "v2"},
    {"saved_name": "web"},
    {"saved_name": "bare"},
]


async def _exported(settings: Settings, export_format: str = "gateway") -> tuple[dict[str, Any], list[dict[str, Any]]]:
    async with Client(create_server(settings)) as client:
        for record in RECORDS:
            added = await client.call_tool("add_registry_server", record)
            assert not added.is_error, text_of(added)
        return await export_and_read(client, export_format, CHOSEN)


async def test_the_gateway_export_says_what_it_left_out_renamed_and_placed_config_wide() -> None:
    exported, _ = await _exported(Settings(show_secrets=True))
    config = exported["config"]
    assert [entry["server_name"] for entry in config["mcp_config"]] == ["files-v1", "files-v2", "web"]
    assert exported["renamed"] == {"files v1": "files-v1", "files v2": "files-v2"}
    assert exported["skipped"] == ["bare v1: it has no mcp_config, so nothing to run"]
    assert config["common_overrides"] == {
        "server_tools_guardrails_config": {
            "enabled": True, "guardrail_name": "Tool Policy", "additional_config": {}, "block": ["injection_attack"],
        }
    }  # fmt: skip
    files, uvx, web = config["mcp_config"]
    assert files["denied_tools"] == ["write_*", {"name": "delete_file", "reason": "destructive"}]
    assert uvx["config"] == {"command": "uvx", "args": []}
    assert web["mcp_oauth"] == {"enabled": True, "scope": "read"} and web["sandbox"] == {"enabled": False}
    for entry in config["mcp_config"]:
        assert not {"tool_guardrails_config", "enable_server_info_validation", "registry_only"} & set(entry)
    notes = " ".join(exported["notes"])
    assert "apply config-wide, to every server of this mcp_config (also files-v2, web)" in notes
    assert "enable_server_info_validation (true on 1 server) is left out" in notes
    assert "Left out, as the gateway does not read them: registry_only." in notes
    assert exported["masked"] == [] and "MASKED" not in exported["message"]


async def test_a_masked_export_says_which_values_must_be_replaced() -> None:
    exported, _ = await _exported(Settings())
    assert exported["masked"] == [
        "mcp_config[0].config.env.API_TOKEN",
        "mcp_config[2].config.headers.Authorization",
        "mcp_config[2].oauth_config.OAUTH_CLIENT_SECRET",
    ]
    assert "3 values are MASKED" in exported["message"] and "replace each with its real value" in exported["message"]
    assert exported["config"]["mcp_config"][0]["config"]["env"] == {"API_TOKEN": MASK}
    assert "tok-1" not in json.dumps(exported)


async def test_a_client_export_names_the_gateway_settings_it_cannot_carry() -> None:
    exported, _ = await _exported(Settings(show_secrets=True), "mcpServers")
    assert list(exported["config"]["mcpServers"]) == ["files-v1", "files-v2", "web"]
    [note] = [note for note in exported["notes"] if "NOT applied" in note]
    assert "denied_tools (1)" in note and "oauth_config (1)" in note and "input_guardrails_config (1)" in note


async def test_the_gateway_imports_validates_lists_and_loads_the_export(gateway: Gateway) -> None:
    exported, stored = await _exported(Settings(show_secrets=True))
    block = exported["config"]
    validated, listed, assigned = gateway.import_block(
        block,
        "registry",
        gateway.command("validate", config="registry"),
        gateway.command("list-servers", config="registry"),
        gateway.command("assign", project="default_project", config="registry"),
    )
    assert validated == {"exit": 0, "output": "INFO: Config 'registry' is valid\n"}
    assert json.loads(listed["output"]) == [
        {"server_name": "files-v1", "description": "Files", "command": "npx", "args": ["-y", "@m/files"], "tools": 1,
         "input_guardrails_enabled": True, "output_guardrails_enabled": False},
        {"server_name": "files-v2", "description": "", "command": "uvx", "args": [], "tools": 0,
         "input_guardrails_enabled": False, "output_guardrails_enabled": False},
        {"server_name": "web", "description": "Web", "command": None, "args": [], "tools": 0,
         "input_guardrails_enabled": False, "output_guardrails_enabled": False},
    ]  # fmt: skip
    assert assigned["exit"] == 0

    key = next(iter(json.loads(gateway.config_path.read_text())["apikeys"]))
    [loaded, mapped] = gateway.run(
        {"op": "load", "gateway_key": key},
        {"op": "map_server", "servers": stored[:3], "common_overrides": block["common_overrides"]},
    )
    assert loaded["path"] == str(gateway.config_path)
    runtime = loaded["config"]["mcp_config"]
    assert runtime[0]["config"]["env"] == {"API_TOKEN": "tok-1"}  # real values, as the gateway will use them
    # Field for field as the gateway's own mapping of the same records, but for what the README explains:
    # names told apart, args always present, and denied_tools/sandbox, which the cloud mapping takes
    # only from a local local_server_overrides block.
    for ours, theirs, record in zip(runtime, mapped, stored[:3], strict=True):
        local_only = {
            key: record["mcp_config"][key] for key in ("denied_tools", "sandbox") if key in record["mcp_config"]
        }
        expected = theirs | {"server_name": ours["server_name"], "denied_tools": [], **local_only}
        expected["config"] = {"args": [], **theirs["config"]} if "command" in theirs["config"] else theirs["config"]
        assert ours == expected, record["saved_name"]
    assert [entry["server_name"] for entry in mapped] == ["files", "files", "web"]  # what names would collide


def test_the_keys_left_out_are_ones_the_gateway_never_names(gateway: Gateway) -> None:
    keys = ["tool_guardrails_config", "enable_server_info_validation", "server_tools_guardrails_config", "mcp_oauth"]
    assert gateway.run({"op": "reads_key", "keys": keys})[0] == {
        "tool_guardrails_config": False,
        "enable_server_info_validation": False,
        "server_tools_guardrails_config": True,
        "mcp_oauth": True,
    }


async def test_differing_tool_guardrails_reach_the_runtime_on_each_server(gateway: Gateway) -> None:
    policies = {name: {"enabled": True, "guardrail_name": name.upper(), "block": ["pii"]} for name in ("one", "two")}
    async with Client(create_server(Settings(show_secrets=True))) as client:
        for name, policy in policies.items():
            mcp_config = {"config": {"command": "npx", "args": [name]}, "tool_guardrails_config": policy}
            await client.call_tool("add_registry_server", {"saved_name": name, "mcp_config": mcp_config})
        exported = await client.call_tool("export_registry_servers", {"format": "gateway"})
    assert exported.structured_content is not None
    [assigned] = gateway.import_block(
        exported.structured_content["config"],
        "registry",
        gateway.command("assign", project="default_project", config="registry"),
    )
    assert assigned["exit"] == 0
    key = next(iter(json.loads(gateway.config_path.read_text())["apikeys"]))
    [loaded] = gateway.run({"op": "load", "gateway_key": key})
    runtime = {entry["server_name"]: entry for entry in loaded["config"]["mcp_config"]}
    for name, policy in policies.items():
        assert runtime[name]["server_tools_guardrails_config"]["guardrail_name"] == policy["guardrail_name"]
        assert runtime[name]["server_tools_guardrails_config"]["enabled"] is True
