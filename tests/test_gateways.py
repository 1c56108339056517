"""Gateways as Enkrypt's gateway resources describe them: gateway_id, gateway_saved_name and
gateway_version (an older gateway_name still read), in the list and the delete confirmation."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from mcp import Client

from registry_mcp import RegistryClient
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.models import Gateway
from registry_mcp.settings import Settings

from .conftest import server_payload

pytestmark = pytest.mark.anyio


def test_the_published_shape_and_the_older_name_are_both_read() -> None:
    published = Gateway.model_validate({"gateway_id": "g-1", "gateway_saved_name": "team", "gateway_version": "v2"})
    older = Gateway.model_validate({"gateway_id": "g-2", "gateway_name": "legacy"})
    unnamed = Gateway.model_validate({"gateway_id": "g-3"})
    assert (published.gateway_saved_name, published.gateway_version, published.label) == ("team", "v2", "team v2")
    assert (older.gateway_saved_name, older.gateway_version, older.label) == ("legacy", None, "legacy")
    assert unnamed.label == "g-3"


async def test_the_embedded_registry_lists_gateways_in_the_published_shape(tmp_path: Path) -> None:
    database = tmp_path / "registry.db"
    async with Client(create_server(Settings(database=str(database)))) as client:
        await client.call_tool("add_registry_server", server_payload("shared"))
    async with RegistryClient.embedded(database) as registry:
        assert registry._store is not None
        registry._store.add_gateway("default", "team-gateway", [("default", "shared", "v1")], version="v4")
    async with Client(create_server(Settings(database=str(database)))) as client:
        listed = await client.call_tool("list_registry_server_gateways", {"saved_name": "shared"})
    assert listed.structured_content is not None
    [gateway] = listed.structured_content["gateways"]
    assert (gateway["gateway_saved_name"], gateway["gateway_version"]) == ("team-gateway", "v4")
    assert gateway["gateway_id"] and "gateway_name" not in gateway
    # What that gateway runs, read from its own config (the registry's get-gateway-config).
    assert gateway["effective"]["config"] == {"command": "npx", "args": ["-y", "@example/shared"]}
    assert gateway["effective"]["server_name"] == "shared" and "effective_note" not in gateway


async def test_a_registry_file_from_before_gateway_versions_and_overrides_still_opens(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    with sqlite3.connect(database) as old:
        old.executescript(
            """CREATE TABLE gateways (id INTEGER PRIMARY KEY, gateway_id TEXT NOT NULL UNIQUE, project TEXT NOT NULL,
                   gateway_name TEXT NOT NULL, created_at TEXT NOT NULL);
               INSERT INTO gateways (gateway_id, project, gateway_name, created_at)
                   VALUES ('g-old', 'default', 'old-gateway', '2026-01-01T00:00:00Z');
               CREATE TABLE gateway_servers (gateway_id TEXT NOT NULL, registry_name TEXT NOT NULL,
                   saved_name TEXT NOT NULL, server_version TEXT NOT NULL);
               INSERT INTO gateway_servers VALUES ('g-old', 'default', 'shared', 'v1');"""
        )
    old.close()
    async with RegistryClient.embedded(database) as registry:
        await registry.add_server(server_payload("shared"))
        [gateway] = await registry.list_gateways("shared")
        config = await registry.gateway_config("old-gateway", "v1")
    assert (gateway.gateway_id, gateway.gateway_saved_name, gateway.gateway_version) == ("g-old", "old-gateway", "v1")
    # Nor overrides: it has none, gateway-wide or for its server.
    assert (config.gateway_id, config.common_overrides) == ("g-old", {})
    [used] = config.expanded_servers
    assert (used["saved_name"], used["gateway_overrides"]) == ("shared", {})


async def test_on_the_embedded_registry_the_answer_says_nothing_creates_gateways_there(tmp_path: Path) -> None:
    async with Client(create_server(Settings(database=str(tmp_path / "registry.db")))) as client:
        await client.call_tool("add_registry_server", server_payload("lonely"))
        listed = await client.call_tool("list_registry_server_gateways", {"saved_name": "lonely"})
    assert listed.structured_content is not None and listed.structured_content["gateways"] == []
    message = listed.structured_content["message"]
    assert message.startswith("No gateway uses 'lonely' version 'v1'")
    assert "the embedded registry" in message and "gateways are created in the Enkrypt AI cloud" in message
