"""registry-mcp as a real stdio subprocess, driven by the SDK's client the way an assistant does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import TOOL_NAMES

from .conftest import READ_ONLY_TOOLS, server_command, server_payload, stdio_parameters, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_whole_session_over_stdio(tmp_path: Path, seed_request: dict[str, Any]) -> None:
    database = tmp_path / "registry.db"
    async with Client(stdio_parameters(database), mode="legacy") as client:
        assert client.server_info is not None and client.server_info.name == "registry-mcp"
        assert str(database) in (client.instructions or "")
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert sorted(tools) == sorted(TOOL_NAMES)
        assert "$ref" not in str(tools["add_registry_server"].input_schema)

        added = await client.call_tool("add_registry_server", seed_request)
        assert not added.is_error, text_of(added)
        read = await client.call_tool("get_registry_server", {"saved_name": "my-filesystem-server"})
        assert read.structured_content is not None
        server = read.structured_content["server"]
        assert {key: value for key, value in server.items() if key in seed_request} == seed_request

        duplicate = await client.call_tool("add_registry_server", seed_request)
        assert duplicate.is_error and "already exists" in text_of(duplicate)
        too_long = await client.call_tool("add_registry_server", server_payload("y" * 33))
        assert too_long.is_error and "saved_name" in text_of(too_long)
        malformed = await client.call_tool("add_registry_server", {"saved_name": "z", "mcp_config": {"config": 3}})
        assert malformed.is_error and "mcp_config.config" in text_of(malformed)

        listed = await client.call_tool("list_registry_servers", {})
        assert listed.structured_content is not None and listed.structured_content["total"] == 1
        modified = await client.call_tool(
            "modify_registry_server", {"saved_name": "my-filesystem-server", "description": "changed"}
        )
        assert modified.structured_content is not None
        assert modified.structured_content["server"]["description"] == "changed"

    # The registry is a file: a new process sees what the last one wrote.
    async with Client(stdio_parameters(database)) as client:
        read = await client.call_tool("get_registry_server", {"saved_name": "my-filesystem-server"})
        assert read.structured_content is not None
        assert read.structured_content["server"]["description"] == "changed"
        deleted = await client.call_tool(
            "delete_registry_server", {"saved_name": "my-filesystem-server", "confirm": True}
        )
        assert deleted.structured_content is not None and deleted.structured_content["deleted"] is True
        gone = await client.call_tool("get_registry_server", {"saved_name": "my-filesystem-server"})
        assert gone.is_error and "no such server" in text_of(gone)


async def test_tool_allow_list_from_the_environment(tmp_path: Path) -> None:
    parameters = stdio_parameters(tmp_path / "r.db", REGISTRY_MCP_TOOLS="list_registry_servers, get_*")
    async with Client(parameters) as client:
        names = sorted(tool.name for tool in (await client.list_tools()).tools)
    assert names == ["get_registry_server", "list_registry_servers"]


async def test_read_only_flag_and_variable(tmp_path: Path) -> None:
    for parameters in (
        stdio_parameters(tmp_path / "r.db", "--read-only"),
        stdio_parameters(tmp_path / "r.db", REGISTRY_MCP_READ_ONLY="true"),
    ):
        async with Client(parameters) as client:
            names = sorted(tool.name for tool in (await client.list_tools()).tools)
        assert names == sorted(READ_ONLY_TOOLS)


def test_help_and_version() -> None:
    version = subprocess.run([server_command(), "--version"], capture_output=True, text=True, check=True, timeout=30)
    assert version.stdout.startswith("registry-mcp ")
    usage = subprocess.run([server_command(), "--help"], capture_output=True, text=True, check=True, timeout=30)
    assert "ENKRYPT_API_KEY" in usage.stdout and "--db" in usage.stdout


def test_an_allow_list_matching_nothing_is_refused_at_start() -> None:
    refused = subprocess.run([server_command(), "--tools", "nothing_*"], capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2
    assert "matches no tool" in refused.stderr and refused.stdout == ""


def test_module_entry_point_runs() -> None:
    version = subprocess.run(
        [sys.executable, "-m", "registry_mcp", "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    assert version.stdout.startswith("registry-mcp ")


def test_a_plain_http_registry_url_is_refused_at_start(tmp_path: Path) -> None:
    environ = {"PATH": os.environ.get("PATH", ""), "ENKRYPT_API_KEY": "sk-start-check"}
    refused = subprocess.run(
        [server_command(), "--base-url", "http://registry.example.com"],
        capture_output=True,
        text=True,
        timeout=30,
        env=environ,
    )
    assert refused.returncode == 2
    assert "must use https://" in refused.stderr
    assert "sk-start-check" not in refused.stderr and refused.stdout == ""


async def test_stdout_carries_only_json_rpc(tmp_path: Path) -> None:
    """A raw session, errors included, through shutdown: every line on stdout is a JSON-RPC message."""
    import json

    import anyio
    from anyio.streams.text import TextReceiveStream

    environment = {"PATH": os.environ.get("PATH", ""), "REGISTRY_MCP_DB": str(tmp_path / "raw.db")}
    CLIENT = {"name": "raw", "version": "1"}
    requests: list[dict[str, Any]] = [
        {"method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": CLIENT}},
        {"method": "notifications/initialized"},
        {"method": "tools/list"},
        {"method": "tools/call", "params": {"name": "add_registry_server", "arguments": server_payload("raw")}},
        {"method": "tools/call", "params": {"name": "add_registry_server", "arguments": server_payload("raw")}},
        {"method": "tools/call", "params": {"name": "add_registry_server", "arguments": {"saved_name": 42}}},
        {"method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}},
        {"method": "no/such/method"},
        {"method": "ping"},
    ]  # fmt: skip
    lines: list[str] = []
    with anyio.fail_after(60):
        async with await anyio.open_process([server_command(), "--log-level", "DEBUG"], env=environment) as process:
            assert process.stdin is not None and process.stdout is not None
            stdout = TextReceiveStream(process.stdout)
            buffer = ""
            for number, request in enumerate(requests, start=1):
                message = {"jsonrpc": "2.0", **request}
                if not request["method"].startswith("notifications/"):
                    message["id"] = number
                await process.stdin.send((json.dumps(message) + "\n").encode())
                if "id" not in message:
                    continue
                while not any(json.loads(line).get("id") == number for line in lines if line.strip()):
                    buffer += await stdout.receive()
                    *complete, buffer = buffer.split("\n")
                    lines += complete
            await process.stdin.aclose()
            async for rest in stdout:
                buffer += rest
            lines += buffer.split("\n")
            assert await process.wait() == 0
    messages = [json.loads(line) for line in lines if line.strip()]
    assert all(message.get("jsonrpc") == "2.0" for message in messages)
    assert len([message for message in messages if "id" in message]) == 8
    results = {message["id"]: message for message in messages if "id" in message}
    assert results[5]["result"]["isError"] is True and results[6]["result"]["isError"] is True
    assert "error" in results[8] and results[9]["result"] == {}


NESTED = b"[" * 250 + b"]" * 250  # past pydantic's 200 levels, within what a lenient reading finds an id in
TOO_DEEP_TO_READ = b"[" * 5000 + b"]" * 5000
HIDDEN_BRACKETS = b'[{"s": "]]}\\"[["}, ' + TOO_DEEP_TO_READ + b"]"  # brackets and a quote in a string inside
HUGE = 5 * 1024 * 1024  # past the 4 MiB a message may have, as over HTTP
# (line sent, the id and error code of the answer it must get)
MALFORMED: list[tuple[bytes, str | int | None, int]] = [
    (b'{"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": "oops"}', 1, -32602),
    (b'{"jsonrpc": "2.0", "id": "two", "method": "tools/list", "params": [1, 2]}', "two", -32602),
    (b'{"jsonrpc": "2.0", "id": 3, "method": "ping", "params": {"deep": ' + NESTED + b"}}", 3, -32700),
    (b'{"jsonrpc": "2.0", "id": 4, "method": "ping", "params": {"deep": ' + TOO_DEEP_TO_READ + b"}}", 4, -32700),
    (b'{"jsonrpc": "2.0", "method": "ping", "params": ' + HIDDEN_BRACKETS + b', "id": "4b"}', "4b", -32700),
    (b'{"jsonrpc": "2.0", "id": 5, "method": "ping", "params": {"text": "\xff\xfe"}}', 5, -32700),
    (b'{"jsonrpc": "2.0", "id": 6, "method": ', None, -32700),
    (b'[{"jsonrpc": "2.0", "id": 7, "method": "ping"}]', None, -32600),
    (b'{"jsonrpc": "2.0", "id": {"not": "an id"}, "method": "ping"}', None, -32600),
    (b'{"id": 9, "method": "ping"}', 9, -32600),
    (b'"just a string"', None, -32600),
    (b'{"jsonrpc": "2.0", "id": 11, "method": "ping", "params": {"pad": "' + b"x" * HUGE + b'"}}', None, -32600),
    (b'{"jsonrpc": "2.0", "id": 12, "method": "tools/call", "params": {}}', 12, -32602),  # the SDK's own answer
    (b'{"jsonrpc": "2.0", "id": 13, "result": "not an object"}', None, -32600),  # a response: its id is not ours
    (rb'{"jsonrpc": "2.0", "\u0069d": [14], "method": "ping"}', None, -32600),  # "id", escaped, of the wrong type
    (rb'{"jsonrpc": "2.0", "\u0069d": {"a": 15}, "method": "tools/list"}', None, -32600),
    (b'{"jsonrpc": "2.0", "id": 16, "error": {"code": 1, "message": "x"}, "method": "ping"}', 16, -32600),
]  # fmt: skip


async def test_every_malformed_line_gets_a_json_rpc_error_and_the_server_keeps_serving(tmp_path: Path) -> None:
    """Raw bytes on stdin, as a broken client might send them: each line is answered on stdout with
    the error code and (where it can be read) the id, and a valid request afterwards is served."""
    import json

    import anyio

    environment = {"PATH": os.environ.get("PATH", ""), "REGISTRY_MCP_DB": str(tmp_path / "raw.db")}
    initialize = _initialize(0)
    answers: list[dict[str, Any]] = []
    with anyio.fail_after(60):
        async with await anyio.open_process([server_command()], env=environment) as process:
            assert process.stdin is not None and process.stdout is not None
            lines = _lines(process.stdout)
            await process.stdin.send(json.dumps(initialize).encode() + b"\n")
            assert (await anext(lines))["id"] == 0
            await process.stdin.send(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n\n  \n')
            for line, _, _ in MALFORMED:
                await process.stdin.send(line + b"\n")
                answers.append(await anext(lines))
            await process.stdin.send(b'{"jsonrpc": "2.0", "id": 99, "method": "ping"}\n')
            served = await anext(lines)
            await process.stdin.aclose()
            assert await process.wait() == 0
    assert [(answer.get("id"), answer.get("error", {}).get("code")) for answer in answers] == [
        (expected_id, code) for _, expected_id, code in MALFORMED
    ]
    assert all(answer["jsonrpc"] == "2.0" and answer["error"]["message"] for answer in answers)
    assert served == {"jsonrpc": "2.0", "id": 99, "result": {}}


async def test_requests_piped_in_are_all_answered_before_the_server_exits(tmp_path: Path) -> None:
    """A client that writes its requests and closes stdin at once (`printf ... | registry-mcp`, a
    script, a CI step) gets every answer, then the server exits 0."""
    import json

    import anyio

    environment = {"PATH": os.environ.get("PATH", ""), "REGISTRY_MCP_DB": str(tmp_path / "piped.db")}
    call = {"name": "add_registry_server", "arguments": server_payload("piped")}
    requests = [
        _initialize(1),
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": call},
    ]
    with anyio.fail_after(60):
        piped = await anyio.run_process(
            [server_command()],
            input=b"".join(json.dumps(request).encode() + b"\n" for request in requests),
            env=environment,
            check=False,
        )
    assert piped.returncode == 0, piped.stderr.decode()
    answers = {answer["id"]: answer for answer in map(json.loads, piped.stdout.decode().splitlines())}
    assert sorted(answers) == [1, 2, 3]
    assert {tool["name"] for tool in answers[2]["result"]["tools"]} == set(TOOL_NAMES)
    assert answers[3]["result"]["isError"] is False
    assert answers[3]["result"]["structuredContent"]["server"]["saved_name"] == "piped"


async def test_the_wait_for_answers_at_the_end_of_input_is_bounded_by_the_registry_deadline(tmp_path: Path) -> None:
    """A request that cannot finish once stdin is closed (a question to a client that has left) holds
    the exit for REGISTRY_MCP_TIMEOUT at most, not for ever."""
    import json

    import anyio

    environment = {
        "PATH": os.environ.get("PATH", ""),
        "REGISTRY_MCP_DB": str(tmp_path / "piped.db"),
        "REGISTRY_MCP_TIMEOUT": "8",  # room for a loaded machine to ask the question first
    }
    initialize = _initialize(1)
    initialize["params"]["capabilities"] = {"elicitation": {}}
    inspect = {"name": "inspect_mcp_server", "arguments": {"config": {"command": "sleep", "args": ["60"]}}}
    requests = [
        initialize,
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": inspect},
    ]
    with anyio.fail_after(120):  # a bound on a hang (the drain is 8 s), not a speed target
        piped = await anyio.run_process(
            [server_command()],
            input=b"".join(json.dumps(request).encode() + b"\n" for request in requests),
            env=environment,
            check=False,
        )
    assert piped.returncode == 0, piped.stderr.decode()
    sent = [json.loads(line) for line in piped.stdout.decode().splitlines()]
    assert [message.get("method") for message in sent] == [None, "elicitation/create"]


def _initialize(request_id: int) -> dict[str, Any]:
    """A raw initialize request, as Claude Desktop's protocol version sends it."""
    client = {"name": "raw", "version": "1"}
    params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": client}
    return {"jsonrpc": "2.0", "id": request_id, "method": "initialize", "params": params}


async def _lines(stdout: Any) -> Any:
    """The JSON messages on a process's stdout, one per line."""
    import json

    from anyio.streams.buffered import BufferedByteReceiveStream

    buffered = BufferedByteReceiveStream(stdout)
    while True:
        yield json.loads(await buffered.receive_until(b"\n", 1024 * 1024))


@pytest.mark.parametrize(("signal_name", "exit_code"), [("SIGINT", 130), ("SIGTERM", 143)])
async def test_a_signal_stops_the_server_while_it_waits_for_input(
    tmp_path: Path, signal_name: str, exit_code: int
) -> None:
    """Ctrl-C (or a SIGTERM) while stdin is open and idle ends the server at once: the shell's exit
    code for a signal, no traceback, and nothing but JSON-RPC on stdout."""
    import json
    import signal

    import anyio

    environment = {"PATH": os.environ.get("PATH", ""), "REGISTRY_MCP_DB": str(tmp_path / "signal.db")}
    initialize = _initialize(1)
    async with await anyio.open_process([server_command(), "--log-level", "INFO"], env=environment) as process:
        assert process.stdin is not None and process.stdout is not None and process.stderr is not None
        lines = _lines(process.stdout)
        await process.stdin.send(json.dumps(initialize).encode() + b"\n")
        with anyio.fail_after(30):
            assert (await anext(lines))["id"] == 1
        await process.stdin.send(b'{"jsonrpc": "2.0", "method": "notifications/initialized"}\n')
        process.send_signal(getattr(signal, signal_name))
        with anyio.fail_after(5):  # a bound on a hang (it took 12-15 s), not a speed target
            returncode = await process.wait()
        rest = b"".join([chunk async for chunk in process.stdout])
        stderr = b"".join([chunk async for chunk in process.stderr]).decode()
    assert returncode == exit_code
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
    assert all(json.loads(line)["jsonrpc"] == "2.0" for line in rest.decode().splitlines() if line.strip())
