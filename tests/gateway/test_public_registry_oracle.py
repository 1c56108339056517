"""Entries made from the public registry's records, judged by secure-mcp-gateway 2.2.4's own code:
registered through use_public_registry, exported for the gateway, then imported, validated and listed
by its CLI, and mapped by its cloud mapping of a registry record (`EnkryptAuthProvider._map_server`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

from ..conftest import ServedApp, text_of
from ..test_public_registry import RECORDS, public_registry_app
from .conftest import export_and_read
from .oracle import Gateway

pytestmark = pytest.mark.anyio

# Every record an entry can express, with each option the record offers.
CHOICES = [
    {"name": "io.github.modelcontextprotocol/filesystem"},
    {"name": "io.github.modelcontextprotocol/filesystem", "use": "oci", "saved_name": "filesystem-oci"},
    {"name": "io.github.github/github-mcp-server"},
    {"name": "io.github.example/weather-mcp"},
    {"name": "io.github.example/database-manager"},
    {"name": "io.modelcontextprotocol.anonymous/hybrid-mcp"},
    {"name": "io.modelcontextprotocol.anonymous/hybrid-mcp", "use": "remotes[0]", "saved_name": "hybrid-http"},
    {"name": "io.modelcontextprotocol.anonymous/hybrid-mcp", "use": "sse", "saved_name": "hybrid-sse"},
    {"name": "io.modelcontextprotocol.anonymous/mcp-fs"},
]
NAMES = [
    "filesystem",
    "filesystem-oci",
    "github-mcp-server",
    "weather-mcp",
    "database-manager",
    "hybrid-mcp",
    "hybrid-http",
    "hybrid-sse",
    "mcp-fs",
]


async def _registered_and_exported() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    assert len(RECORDS) == 8
    with ServedApp(public_registry_app([])) as public:
        settings = Settings(public_registry_url=public.url, show_secrets=True)
        async with Client(create_server(settings)) as client:
            done = await client.call_tool("use_public_registry", {"servers": CHOICES, "confirm": True})
            assert not done.is_error and done.structured_content is not None, text_of(done)
            assert done.structured_content["registered"] is True
            chosen = [{"saved_name": name} for name in NAMES]
            exported, stored = await export_and_read(client, "gateway", chosen)
    return exported["config"], stored


async def test_the_gateway_imports_validates_and_lists_every_entry_made_from_the_public_registry(
    gateway: Gateway,
) -> None:
    block, stored = await _registered_and_exported()
    validated, listed_by_cli, mapped = gateway.import_block(
        block,
        "public",
        gateway.command("validate", config="public"),
        gateway.command("list-servers", config="public"),
        # The gateway's own mapping of the stored records runs what the entry says, unchanged.
        {"op": "map_server", "servers": stored},
    )
    assert validated == {"exit": 0, "output": "INFO: Config 'public' is valid\n"}
    listed = json.loads(listed_by_cli["output"])
    assert [(server["server_name"], server["command"]) for server in listed] == [
        ("filesystem", "npx"),
        ("filesystem-oci", "docker"),
        ("github-mcp-server", "docker"),
        ("weather-mcp", "uvx"),
        ("database-manager", "docker"),
        ("hybrid-mcp", "npx"),
        ("hybrid-http", None),
        ("hybrid-sse", None),
        ("mcp-fs", None),
    ]
    for theirs, record in zip(mapped, stored, strict=True):
        assert theirs["server_name"] == record["saved_name"]
        assert theirs["config"] == record["mcp_config"]["config"]
