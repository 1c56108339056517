"""inspect_mcp_server against real MCP servers started from the tests (tests/servers/files_server.py),
over stdio and over Streamable HTTP: what it reports, the deny-list analysis, consent before launching
anything, and failures that say what happened."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from registry_mcp.inspection import InspectionFailed, inspect_server
from registry_mcp.models import LocalServerConfig
from registry_mcp.server import create_server
from registry_mcp.settings import Settings

from .conftest import Person, free_port, mcp_over_http, server_payload, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

FILES_SERVER = str(Path(__file__).parent / "servers" / "files_server.py")
STALLING_SERVER = str(Path(__file__).parent / "servers" / "stalling_server.py")
MODES = ["auto", "legacy"]


def _local(marker: Path) -> dict[str, Any]:
    return {
        "command": sys.executable,
        "args": [FILES_SERVER],
        "env": {"STARTED_MARKER": str(marker), "API_TOKEN": "tok-9"},
    }


async def _inspect(client: Client, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool("inspect_mcp_server", arguments)
    assert not result.is_error and result.structured_content is not None, text_of(result)
    return result.structured_content


@pytest.mark.parametrize("mode", MODES)
async def test_a_confirmed_inspection_reports_the_server_and_the_deny_list(tmp_path: Path, mode: str) -> None:
    person = Person()
    marker = tmp_path / "started"
    async with Client(create_server(Settings()), mode=mode, elicitation_callback=person) as client:  # type: ignore[call-overload]
        report = await _inspect(client, config=_local(marker), denied_tools=["write_*", "wirte_file", "delete_file"])
    assert marker.exists() and report["launched"] is True
    server = report["server"]
    assert (server["name"], server["version"], server["instructions"]) == (
        "files-test-server",
        "1.2.3",
        "Files for tests.",
    )
    tools = {tool["name"]: tool for tool in server["tools"]}
    assert set(tools) == {"read_file", "write_file", "delete_file"}
    assert tools["read_file"]["annotations"]["readOnlyHint"] is True
    assert tools["write_file"]["input_schema"]["required"] == ["path", "text"]
    assert "tools" in server["capabilities"]
    denied = report["denied"]
    assert [(entry["pattern"], entry["blocks"]) for entry in denied["patterns"]] == [
        ("write_*", ["write_file"]), ("wirte_file", []), ("delete_file", ["delete_file"]),
    ]  # fmt: skip
    assert (denied["visible"], denied["unmatched"]) == (["read_file"], ["wirte_file"])
    [question] = person.asked
    assert f"command: {sys.executable}" in question.message and FILES_SERVER in question.message
    assert "API_TOKEN, STARTED_MARKER (values not shown)" in question.message and "tok-9" not in question.message


@pytest.mark.parametrize("mode", MODES)
async def test_a_declined_inspection_launches_nothing(tmp_path: Path, mode: str) -> None:
    marker = tmp_path / "started"
    person = Person(action="decline")
    async with Client(create_server(Settings()), mode=mode, elicitation_callback=person) as client:  # type: ignore[call-overload]
        report = await _inspect(client, config=_local(marker))
    assert report["launched"] is False and "the person declined" in report["message"]
    assert not marker.exists()


async def test_without_elicitation_launching_needs_the_setting(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    async with Client(create_server(Settings())) as client:
        refused = await _inspect(client, config=_local(marker))
    assert refused["launched"] is False and "--allow-launch" in refused["message"] and not marker.exists()
    async with Client(create_server(Settings(allow_launch=True))) as client:
        allowed = await _inspect(client, config=_local(marker))
    assert allowed["launched"] is True and marker.exists()


async def test_a_registered_server_gets_its_tools_written(tmp_path: Path) -> None:
    mcp_config = {"config": _local(tmp_path / "started"), "denied_tools": ["delete_*"]}
    async with Client(create_server(Settings(allow_launch=True))) as client:
        await client.call_tool("add_registry_server", server_payload("files", mcp_config=mcp_config))
        report = await _inspect(client, saved_name="files", write_tools=True)
        read = await client.call_tool("get_registry_server", {"saved_name": "files"})
    assert report["wrote_tools"] is True and report["denied"]["visible"] == ["read_file", "write_file"]
    assert read.structured_content is not None
    stored = read.structured_content["server"]["mcp_config"]
    assert stored["tools"] == {"read_file": {}, "write_file": {}, "delete_file": {}}
    assert stored["denied_tools"] == ["delete_*"] and stored["config"]["command"] == sys.executable


@pytest.mark.parametrize(
    ("config", "says"),
    [
        ({"command": sys.executable, "args": ["-c", "import sys; sys.stderr.write('boom: no token'); sys.exit(3)"]},
         "closed the connection before answering (did it exit?). The server's stderr"),
        ({"command": "no-such-command-registry-mcp"}, "the command was not found"),
    ],
)  # fmt: skip
async def test_a_server_that_fails_is_reported_with_its_stderr(config: dict[str, Any], says: str) -> None:
    async with Client(create_server(Settings(allow_launch=True))) as client:
        failed = await client.call_tool("inspect_mcp_server", {"config": config})
        still = await client.call_tool("list_registry_servers", {})
    assert failed.is_error and says in text_of(failed), text_of(failed)
    if "stderr" in says:
        assert "boom: no token" in text_of(failed)
    assert not still.is_error  # the server keeps serving


async def test_arguments_name_one_target() -> None:
    async with Client(create_server(Settings(allow_launch=True))) as client:
        both = await client.call_tool("inspect_mcp_server", {"config": {"command": "x"}, "saved_name": "x"})
        neither = await client.call_tool("inspect_mcp_server", {})
        unsaved = await client.call_tool("inspect_mcp_server", {"config": {"command": "x"}, "write_tools": True})
    assert all(result.is_error for result in (both, neither, unsaved))
    assert "give exactly one of 'config'" in text_of(both) and "write_tools needs a registered server" in text_of(
        unsaved
    )


@pytest.fixture
def http_files_server() -> Iterator[str]:
    port = free_port()
    with mcp_over_http([sys.executable, FILES_SERVER, "--http", str(port)], port) as url:
        yield url


@pytest.fixture
def sse_files_server() -> Iterator[str]:
    port = free_port()
    with mcp_over_http([sys.executable, FILES_SERVER, "--sse", str(port)], port, path="/sse") as url:
        yield url


@pytest.mark.parametrize("mode", MODES)
async def test_a_remote_server_over_streamable_http(http_files_server: str, mode: str) -> None:
    person = Person()
    async with Client(create_server(Settings()), mode=mode, elicitation_callback=person) as client:  # type: ignore[call-overload]
        report = await _inspect(client, config={"url": http_files_server, "headers": {"X-Trace": "1"}})
    assert report["server"]["name"] == "files-test-server" and len(report["server"]["tools"]) == 3
    [question] = person.asked
    assert (
        question.message
        == f"Connect to the MCP server at {http_files_server} (streamable_http) with headers X-Trace to inspect it?"
    )


SLEEPER = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)"


def _reaped(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # a child not yet waited for still answers (as a zombie)
    except ProcessLookupError:
        return True
    return False


async def test_a_server_that_never_answers_times_out_and_is_reaped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    sleeper = LocalServerConfig(command=sys.executable, args=["-c", SLEEPER, str(pid_file)])
    with pytest.raises(InspectionFailed, match="did not answer within 1 s"):
        await inspect_server(sleeper, start_timeout=1)
    assert _reaped(int(pid_file.read_text()))


async def test_a_cancelled_inspection_reaps_its_child(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    sleeper = LocalServerConfig(command=sys.executable, args=["-c", SLEEPER, str(pid_file)])
    async with anyio.create_task_group() as group:
        group.start_soon(inspect_server, sleeper)
        with anyio.fail_after(30):
            while not pid_file.exists() or not pid_file.read_text():  # noqa: ASYNC110 (another process writes it)
                await anyio.sleep(0.05)
        group.cancel_scope.cancel()
    assert _reaped(int(pid_file.read_text()))


async def test_a_remote_server_over_sse(sse_files_server: str) -> None:
    async with Client(create_server(Settings(allow_launch=True))) as client:
        report = await _inspect(client, config={"url": sse_files_server, "transport": "sse"}, denied_tools=["*"])
    assert report["server"]["name"] == "files-test-server"
    assert report["denied"]["visible"] == [] and report["denied"]["patterns"][0]["blocks"] == [
        "read_file", "write_file", "delete_file",
    ]  # fmt: skip


async def test_a_request_that_never_gets_an_answer_times_out(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    stalling = LocalServerConfig(command=sys.executable, args=[STALLING_SERVER, str(pid_file)])
    with pytest.raises(InspectionFailed, match="or a request within 1 s"):
        await inspect_server(stalling, start_timeout=20, request_timeout=1)
    assert _reaped(int(pid_file.read_text()))
