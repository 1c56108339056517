"""`registry-mcp --transport http`: the same tools over Streamable HTTP, driven by the SDK's client."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from .conftest import EVERY_TOOL, free_port, mcp_over_http, server_command, server_payload

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    """`registry-mcp --transport http` on a free loopback port; yields its MCP endpoint's URL."""
    port = free_port()
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "REGISTRY_MCP_DB": str(tmp_path / "r.db")}
    with mcp_over_http([server_command(), "--transport", "http", "--port", str(port)], port, environment) as url:
        yield url


async def test_the_tools_over_streamable_http(http_server: str) -> None:
    async with Client(http_server) as client:
        names = sorted(tool.name for tool in (await client.list_tools()).tools)
        added = await client.call_tool("add_registry_server", server_payload("over-http"))
        read = await client.call_tool("get_registry_server", {"saved_name": "over-http"})
        refused = await client.call_tool("add_registry_server", {"saved_name": "bad name"})
    assert names == sorted(EVERY_TOOL)
    assert not added.is_error and read.structured_content is not None
    assert read.structured_content["server"]["saved_name"] == "over-http"
    assert refused.is_error and "saved_name" in refused.content[0].text  # type: ignore[union-attr]


async def test_state_is_shared_between_http_sessions(http_server: str) -> None:
    async with Client(http_server) as first:
        await first.call_tool("add_registry_server", server_payload("shared"))
    async with Client(http_server) as second:
        listed = await second.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None and listed.structured_content["total"] == 1
