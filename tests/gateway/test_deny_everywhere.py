"""One deny semantics everywhere, the gateway's: inspect_mcp_server's report, write_tools and
add_registry_server's lint (as a dry run) all treat `"*"` as sparing the keys of `mcp_config.tools`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

from ..conftest import server_payload, text_of
from .oracle import Gateway

pytestmark = pytest.mark.anyio
FILES_SERVER = str(Path(__file__).parent.parent / "servers" / "files_server.py")
FILES_TOOLS = ["read_file", "write_file", "delete_file"]  # what tests/servers/files_server.py offers


def _files(**mcp_config: Any) -> dict[str, Any]:
    return server_payload(
        "files", mcp_config={"config": {"command": sys.executable, "args": [FILES_SERVER]}, **mcp_config}
    )


async def _call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool(tool, arguments)
    assert not result.is_error and result.structured_content is not None, text_of(result)
    return result.structured_content


async def test_the_inspection_report_shows_what_the_gateway_lets_through(gateway: Gateway) -> None:
    denied, listed = ["*", "delete_*"], {"read_file": {}, "delete_file": {}}
    async with Client(create_server(Settings(allow_launch=True))) as client:
        await _call(client, "add_registry_server", **_files(denied_tools=denied, tools=listed))
        report = (await _call(client, "inspect_mcp_server", saved_name="files"))["denied"]
    assert report["visible"] == ["read_file"]  # listed, so '*' spares it; delete_file is denied by name
    assert [(entry["pattern"], entry["blocks"]) for entry in report["patterns"]] == [
        ("*", ["write_file"]), ("delete_*", ["delete_file"]),
    ]  # fmt: skip
    answers = gateway.run({"op": "deny", "cases": [[tool, denied, listed] for tool in FILES_TOOLS]})[0]
    assert [tool for tool, answer in zip(FILES_TOOLS, answers, strict=True) if answer is None] == report["visible"]


async def test_write_tools_never_unhides_tools_under_deny_all() -> None:
    async with Client(create_server(Settings(allow_launch=True))) as client:
        await _call(client, "add_registry_server", **_files(denied_tools=["*"], tools={"read_file": {}}))
        refused = await _call(client, "inspect_mcp_server", saved_name="files", write_tools=True)
        kept = (await _call(client, "get_registry_server", saved_name="files"))["server"]["mcp_config"]
        allowed = await _call(client, "inspect_mcp_server", saved_name="files", write_tools=True, allow_unhiding=True)
        written = (await _call(client, "get_registry_server", saved_name="files"))["server"]["mcp_config"]
    assert refused["wrote_tools"] is False and kept["tools"] == {"read_file": {}}
    assert "NOT written" in refused["message"] and "2 tools it now hides would become visible" in refused["message"]
    assert "write_file" in refused["message"] and "allow_unhiding" in refused["message"]
    assert allowed["wrote_tools"] is True and "2 tools that '*' denied are now visible" in allowed["message"]
    assert set(written["tools"]) == set(FILES_TOOLS)


async def test_write_tools_writes_where_nothing_becomes_visible() -> None:
    async with Client(create_server(Settings(allow_launch=True))) as client:
        await _call(client, "add_registry_server", **_files(denied_tools=["delete_*"]))
        await _call(
            client,
            "add_registry_server",
            **(_files(denied_tools=["*"], tools={key: {} for key in FILES_TOOLS}) | {"server_version": "v2"}),
        )
        plain = await _call(client, "inspect_mcp_server", saved_name="files", write_tools=True)
        listed = await _call(client, "inspect_mcp_server", saved_name="files", server_version="v2", write_tools=True)
    assert plain["wrote_tools"] is True and plain["denied"]["visible"] == ["read_file", "write_file"]
    assert listed["wrote_tools"] is True  # every tool was listed already: nothing new gets through


async def test_the_lint_warns_when_tools_are_spared_from_deny_all() -> None:
    async with Client(create_server(Settings())) as client:
        spared = await _call(
            client,
            "add_registry_server",
            dry_run=True,
            **_files(denied_tools=["*"], tools={"read_file": {}, "write_file": {}}),
        )
        denied_too = await _call(
            client,
            "add_registry_server",
            dry_run=True,
            **_files(denied_tools=["*", "write_file"], tools={"write_file": {}}),
        )
        plain = await _call(client, "add_registry_server", dry_run=True, **_files(denied_tools=["*"]))
    [finding] = [finding for finding in spared["warnings"] if finding["field"] == "mcp_config.tools"]
    assert "2 stay visible: read_file, write_file" in finding["problem"]
    assert not [finding for finding in denied_too["warnings"] if finding["field"] == "mcp_config.tools"]
    assert plain["warnings"] == []
