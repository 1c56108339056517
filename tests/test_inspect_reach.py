"""Inspection reaches a server on any protocol revision, over the transport it really speaks, and ends
by its deadline on every transport."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from registry_mcp.errors import InspectionFailed
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.models import RemoteServerConfig
from registry_mcp.servers.inspection import inspect_server
from registry_mcp.settings import Settings

from .conftest import free_port, mcp_over_http, text_of

pytestmark = pytest.mark.anyio

SERVERS = Path(__file__).parent / "servers"
MODERN_SERVER = str(SERVERS / "modern_server.py")
FILES_SERVER = str(SERVERS / "files_server.py")
NOT_MCP_SERVER = str(SERVERS / "not_mcp_server.py")
MODES = ["auto", "legacy"]


async def _inspect(config: dict[str, Any], mode: str = "auto") -> tuple[dict[str, Any], str]:
    async with Client(create_server(Settings(allow_launch=True)), mode=mode) as client:  # type: ignore[call-overload]
        result = await client.call_tool("inspect_mcp_server", {"config": config})
    return (result.structured_content or {}), text_of(result)


@pytest.fixture
def modern_over_http() -> Iterator[str]:
    port = free_port()
    with mcp_over_http([sys.executable, MODERN_SERVER, "--http", str(port)], port) as url:
        yield url


def _assert_the_modern_server(report: dict[str, Any], text: str) -> None:
    server = report["server"]
    assert server is not None, text
    # Its identity comes from the discover result's _meta, as the 2026-07-28 revision gives it.
    assert (server["name"], server["version"], server["protocol_version"]) == (
        "modern-test-server",
        "2.0.0",
        "2026-07-28",
    )
    assert server["instructions"] == "Pages, fetched and summarized."
    assert [tool["name"] for tool in server["tools"]] == ["fetch_page", "summarize"]
    assert 'it calls itself "modern-test-server" version "2.0.0" and offers 2 tools' in report["message"]


@pytest.mark.parametrize("mode", MODES)
async def test_a_server_on_the_current_revision_only_is_inspected_over_stdio(mode: str) -> None:
    report, text = await _inspect({"command": sys.executable, "args": [MODERN_SERVER]}, mode)
    _assert_the_modern_server(report, text)
    assert report["server"]["transport"] == "stdio"


async def test_a_server_on_the_current_revision_only_is_inspected_over_http(modern_over_http: str) -> None:
    report, text = await _inspect({"url": modern_over_http})
    _assert_the_modern_server(report, text)
    assert report["server"]["transport"] == "streamable_http"


async def test_a_handshake_era_server_is_still_inspected() -> None:
    report, text = await _inspect({"command": sys.executable, "args": [FILES_SERVER]})
    assert report["server"]["name"] == "files-test-server", text
    assert report["server"]["protocol_version"] in ("2025-11-25", "2026-07-28")


async def test_a_server_on_a_revision_the_inspector_does_not_know_is_said_to_be_one() -> None:
    """No 'is it an MCP endpoint?' for an MCP server on another revision: the revision it speaks is named."""
    config = {"command": sys.executable, "args": [MODERN_SERVER, "--speaks", "2031-01-01"]}
    async with Client(create_server(Settings(allow_launch=True))) as client:
        result = await client.call_tool("inspect_mcp_server", {"config": config})
    assert result.is_error
    text = text_of(result)
    assert 'the server speaks no protocol revision this inspector does (it supports only "2031-01-01")' in text
    assert "MCP endpoint?" not in text


async def test_an_sse_server_given_as_streamable_http_is_reached_over_sse_and_said_so() -> None:
    port = free_port()
    with mcp_over_http([sys.executable, FILES_SERVER, "--sse", str(port)], port, path="/sse") as url:
        report, text = await _inspect({"url": url, "transport": "streamable_http"})
    assert report["server"] is not None, text
    assert report["server"]["name"] == "files-test-server" and report["server"]["transport"] == "sse"
    assert 'It answered as an SSE endpoint, not Streamable HTTP: register it with transport "sse".' in report["message"]


@pytest.fixture
def not_mcp() -> Iterator[str]:
    port = free_port()
    with mcp_over_http([sys.executable, NOT_MCP_SERVER, str(port)], port, path="") as url:
        yield url


@pytest.mark.parametrize("transport", ["sse", "streamable_http"])
async def test_an_event_stream_that_never_names_its_endpoint_ends_by_the_deadline(not_mcp: str, transport: Any) -> None:
    """One event that is not `endpoint`, then the stream closes: the start deadline ends the wait."""
    config = RemoteServerConfig(url=not_mcp + "/one-event", transport=transport)
    started = anyio.current_time()
    with anyio.fail_after(30), pytest.raises(InspectionFailed) as failed:
        await inspect_server(config, start_timeout=2, request_timeout=2)
    assert anyio.current_time() - started < 10
    assert "SYSTEM" not in str(failed.value)


async def test_a_url_that_accepts_but_never_answers_ends_by_the_deadline() -> None:
    """A listener that accepts the connection and says nothing, for each transport."""
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
    port = listener.extra(anyio.abc.SocketAttribute.local_port)
    held: list[Any] = []

    async def hold(stream: Any) -> None:
        held.append(stream)
        await anyio.sleep_forever()

    async with anyio.create_task_group() as group:
        group.start_soon(listener.serve, hold)
        for transport in ("sse", "streamable_http"):
            config = RemoteServerConfig(url=f"http://127.0.0.1:{port}/mcp", transport=transport)
            started = anyio.current_time()
            with anyio.fail_after(30), pytest.raises(InspectionFailed, match="did not answer within 2 s"):
                await inspect_server(config, start_timeout=2, request_timeout=20)
            assert anyio.current_time() - started < 10
        group.cancel_scope.cancel()
    assert held
