"""A remote client is not a person: over HTTP, `inspect_mcp_server` launches no local command, whatever
elicitation answers, unless the server was started with `--allow-launch`.

The attack: a client run as another user (uid `nobody`) declares elicitation, asks to
inspect `sh -c 'touch …'` and answers its own consent question "yes"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

from .conftest import HTTP_TOKEN, Person, serving, text_of

pytestmark = pytest.mark.anyio

FILES_SERVER = str(Path(__file__).parent / "servers" / "files_server.py")
NOBODY = 65534

# A stdlib-only MCP client speaking raw JSON-RPC over Streamable HTTP (the 2025-11-25 handshake), that
# says "yes" to every question it is asked. Arguments: endpoint URL, bearer token ('' for none), marker path.
SELF_CONSENTING_CLIENT = r"""
import json, sys, urllib.error, urllib.request

url, token, marker = sys.argv[1:4]
headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
           "MCP-Protocol-Version": "2025-11-25"}
if token:
    headers["Authorization"] = "Bearer " + token

def post(message, session=None):
    sent = dict(headers, **({"Mcp-Session-Id": session} if session else {}))
    request = urllib.request.Request(url, data=json.dumps(message).encode(), headers=sent, method="POST")
    return urllib.request.urlopen(request, timeout=60)

def messages(response):
    if response.headers.get("Content-Type", "").startswith("application/json"):
        body = response.read()
        if body:
            yield json.loads(body)
        return
    for raw in response:
        line = raw.decode().rstrip("\r\n")
        if line.startswith("data:") and line[5:].strip():
            yield json.loads(line[5:])

try:
    opened = post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {"elicitation": {}},
        "clientInfo": {"name": "not-a-person", "version": "0"}}})
except urllib.error.HTTPError as refused:
    print(json.dumps({"status": refused.code, "www_authenticate": refused.headers.get("WWW-Authenticate")}))
    sys.exit(0)
session = opened.headers.get("Mcp-Session-Id")
list(messages(opened))
post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session).read()
call = post({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "inspect_mcp_server",
    "arguments": {"config": {"command": "sh", "args": ["-c", "touch " + marker]}}}}, session)
asked = []
for message in messages(call):
    if message.get("method") == "elicitation/create":
        asked.append(message["params"].get("message"))
        post({"jsonrpc": "2.0", "id": message["id"], "result": {"action": "accept", "content": {"confirm": True}}},
             session).read()
    elif message.get("id") == 2:
        print(json.dumps({"status": 200, "asked": asked, "result": message.get("result")}))
        break
"""


def _attack_as_nobody(url: str, token: str, marker: Path) -> dict[str, Any]:
    """Run the self-consenting client as uid `nobody`; its report."""
    argv = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "/usr/bin/python3", "-c"]
    done = subprocess.run(
        [*argv, SELF_CONSENTING_CLIENT, url, token, str(marker)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _result_text(report: dict[str, Any]) -> str:
    return "\n".join(block.get("text", "") for block in report["result"]["content"])


needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="runs the attacking client as another uid"
)


@pytest.mark.slow  # a server and the attacking client, each a subprocess
@needs_root
async def test_another_user_without_the_token_is_refused_at_the_door(tmp_path: Path) -> None:
    marker = tmp_path / "ran-without-token"
    with serving(tmp_path, REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN) as served:
        report = _attack_as_nobody(served.url, "", marker)
    assert report["status"] == 401 and report["www_authenticate"].startswith("Bearer ")
    assert not marker.exists()


@pytest.mark.slow  # a server and the attacking client, each a subprocess
@needs_root
@pytest.mark.parametrize("auth", ["token", "none"])
async def test_a_self_consenting_remote_client_launches_nothing(tmp_path: Path, auth: str) -> None:
    marker = tmp_path / f"ran-with-{auth}"
    with serving(tmp_path, "--auth", auth, REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN) as served:
        report = _attack_as_nobody(served.url, HTTP_TOKEN if auth == "token" else "", marker)
    assert report["status"] == 200
    assert not marker.exists()
    structured = report["result"]["structuredContent"]
    assert structured["launched"] is False
    said = _result_text(report)
    assert "over HTTP" in said and "--allow-launch" in said and "Nothing was launched" in said
    assert report["asked"] == []  # not asked: no answer could make it launch


@pytest.mark.slow  # a server and the attacking client, each a subprocess
@needs_root
async def test_with_allow_launch_the_same_client_does_launch(tmp_path: Path) -> None:
    """The control: the harness above does launch where the server allows it, so its 'nothing ran'
    means something."""
    marker = tmp_path / "ran-with-allow-launch"
    with serving(tmp_path, "--allow-launch", REGISTRY_MCP_HTTP_TOKEN=HTTP_TOKEN) as served:
        report = _attack_as_nobody(served.url, HTTP_TOKEN, marker)
    assert report["status"] == 200 and marker.exists()


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_over_http_a_command_is_not_launched_whatever_the_answer(tmp_path: Path, mode: Any) -> None:
    marker = tmp_path / "started"
    person = Person()
    config = {"command": sys.executable, "args": [FILES_SERVER], "env": {"STARTED_MARKER": str(marker)}}
    settings = Settings(over_http=True)
    async with Client(create_server(settings), mode=mode, elicitation_callback=person) as client:
        result = await client.call_tool("inspect_mcp_server", {"config": config})
    assert not result.is_error and result.structured_content is not None
    assert result.structured_content["launched"] is False and not marker.exists()
    assert person.asked == []
    assert "--allow-launch" in text_of(result)


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_over_http_a_remote_url_may_still_be_reached_after_asking(mode: Any) -> None:
    person = Person(action="decline")
    config = {"url": "https://mcp.example.com/mcp", "transport": "streamable_http"}
    async with Client(create_server(Settings(over_http=True)), mode=mode, elicitation_callback=person) as client:
        result = await client.call_tool("inspect_mcp_server", {"config": config})
    assert result.structured_content is not None and result.structured_content["launched"] is False
    [question] = person.asked
    assert "https://mcp.example.com/mcp" in question.message
    assert "the person declined" in text_of(result)


@pytest.mark.slow  # launches the files server
@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_over_http_allow_launch_restores_asking_the_person(tmp_path: Path, mode: Any) -> None:
    marker = tmp_path / "started"
    person = Person()
    config = {"command": sys.executable, "args": [FILES_SERVER], "env": {"STARTED_MARKER": str(marker)}}
    settings = Settings(over_http=True, allow_launch=True)
    async with Client(create_server(settings), mode=mode, elicitation_callback=person) as client:
        result = await client.call_tool("inspect_mcp_server", {"config": config})
    assert result.structured_content is not None and result.structured_content["launched"] is True, text_of(result)
    assert marker.exists() and len(person.asked) == 1


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_over_http_no_file_is_written_on_this_machine_whatever_the_answer(tmp_path: Path, mode: Any) -> None:
    """write_registry_export writes on the server's machine (a client config it writes can start
    commands later), so over HTTP it is held to the same rule as a launch."""
    target = tmp_path / "written.json"
    person = Person()
    arguments = {"format": "mcpServers", "path": str(target), "confirm": True}
    async with Client(create_server(Settings(over_http=True)), mode=mode, elicitation_callback=person) as client:
        await client.call_tool(
            "add_registry_server", {"saved_name": "files", "mcp_config": {"config": {"command": "npx"}}}
        )
        refused = await client.call_tool("write_registry_export", arguments)
    assert refused.structured_content is not None and refused.structured_content["written"] is False
    assert not target.exists() and person.asked == []
    assert "over HTTP" in text_of(refused) and "--allow-launch" in text_of(refused)
    async with Client(
        create_server(Settings(over_http=True, allow_launch=True)), mode=mode, elicitation_callback=person
    ) as client:
        await client.call_tool(
            "add_registry_server", {"saved_name": "files", "mcp_config": {"config": {"command": "npx"}}}
        )
        allowed = await client.call_tool("write_registry_export", arguments)
    assert allowed.structured_content is not None and allowed.structured_content["written"] is True, text_of(allowed)
    assert target.exists() and len(person.asked) == 1


async def test_over_http_an_import_reads_no_file_on_this_machine(tmp_path: Path) -> None:
    """A remote caller may import a config it sends as text, not one of the server's own files."""
    config = {"mcpServers": {"named-in-the-file": {"command": "npx", "args": ["-y", "@example/files"]}}}
    path = tmp_path / "claude_desktop_config.json"
    path.write_text(json.dumps(config))
    async with Client(create_server(Settings(over_http=True))) as client:
        from_file = await client.call_tool("import_client_config", {"source": str(path)})
        from_text = await client.call_tool("import_client_config", {"source": json.dumps(config)})
    assert from_file.is_error and "over HTTP" in text_of(from_file) and "JSON text" in text_of(from_file)
    assert "named-in-the-file" not in text_of(from_file)
    assert not from_text.is_error and from_text.structured_content is not None, text_of(from_text)
    async with Client(create_server(Settings(over_http=True, allow_launch=True))) as client:
        allowed = await client.call_tool("import_client_config", {"source": str(path)})
    assert not allowed.is_error, text_of(allowed)
