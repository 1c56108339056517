"""list_registry_server_gateways shows the entry each gateway runs: the embedded registry serves
get-gateway-config, and the entry shown is what secure-mcp-gateway's own cloud path makes of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp import RegistryClient
from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

from ..conftest import text_of
from .oracle import Gateway

pytestmark = pytest.mark.anyio
STRICT = {"enabled": True, "guardrail_name": "strict", "block": ["pii"]}
LOOSE = {"enabled": True, "guardrail_name": "loose"}
FILES = {
    "saved_name": "files",
    "description": "Files",
    "mcp_config": {
        "config": {"command": "npx", "args": ["-y", "@m/files"]},
        "denied_tools": ["write_*"],
        "input_guardrails_config": LOOSE,
        "output_guardrails_config": LOOSE,
    },
}


async def _gateways(database: Path, **gateway: Any) -> list[dict[str, Any]]:
    async with Client(create_server(Settings(database=str(database)))) as client:
        await client.call_tool("add_registry_server", FILES)
    async with RegistryClient.embedded(database) as registry:
        assert registry._store is not None
        registry._store.add_gateway("default", "team", [("default", "files", "v1")], version="v2", **gateway)
    async with Client(create_server(Settings(database=str(database)))) as client:
        listed = await client.call_tool("list_registry_server_gateways", {"saved_name": "files"})
    assert listed.structured_content is not None, text_of(listed)
    gateways: list[dict[str, Any]] = listed.structured_content["gateways"]
    return gateways


async def test_the_entry_shown_is_the_one_the_gateways_own_cloud_path_makes(tmp_path: Path, gateway: Gateway) -> None:
    database = tmp_path / "registry.db"
    [used] = await _gateways(
        database,
        common_overrides={"server_tools_guardrails_config": STRICT},
        overrides={"files": {"input_guardrails_config": STRICT}},
    )
    effective = used["effective"]
    assert effective["input_guardrails_config"]["guardrail_name"] == "strict"  # this gateway's override
    assert effective["output_guardrails_config"]["guardrail_name"] == "loose"  # the registry's
    assert effective["server_tools_guardrails_config"]["guardrail_name"] == "strict"  # config-wide
    assert "denied_tools" not in effective and "local_server_overrides" in used["effective_note"]

    async with RegistryClient.embedded(database) as registry:
        cloud = await registry.gateway_config("team", "v2")
    [mapped] = gateway.run({"op": "cloud", "response": cloud.to_api()})
    assert mapped["mcp_config"] == [effective]


async def test_an_inactive_server_is_said_to_be_skipped(tmp_path: Path) -> None:
    database = tmp_path / "registry.db"
    async with Client(create_server(Settings(database=str(database)))) as client:
        await client.call_tool("add_registry_server", {**FILES, "is_active": False})
    async with RegistryClient.embedded(database) as registry:
        assert registry._store is not None
        registry._store.add_gateway("default", "team", [("default", "files", "v1")])
    async with Client(create_server(Settings(database=str(database)))) as client:
        listed = await client.call_tool("list_registry_server_gateways", {"saved_name": "files"})
    assert listed.structured_content is not None
    [used] = listed.structured_content["gateways"]
    assert used.get("effective") is None and "inactive" in used["effective_note"]


async def test_a_gateway_whose_config_cannot_be_read_is_still_listed(tmp_path: Path) -> None:
    database = tmp_path / "registry.db"
    async with Client(create_server(Settings(database=str(database)))) as client:
        await client.call_tool("add_registry_server", FILES)
    async with RegistryClient.embedded(database) as registry:
        assert registry._store is not None
        registry._store.add_gateway("default", "x" * 80, [("default", "files", "v1")])  # too long a header
    async with Client(create_server(Settings(database=str(database)))) as client:
        listed = await client.call_tool("list_registry_server_gateways", {"saved_name": "files"})
    assert listed.structured_content is not None and not listed.is_error
    [used] = listed.structured_content["gateways"]
    assert used.get("effective") is None and "could not be read" in used["effective_note"]
