"""Every process an inspected server starts ends with the inspection, however it tried to get away (a
session of its own at once, a double fork, a fork loop that changes its pid at every hop, a group of its
own deaf to SIGTERM), and when registry-mcp itself is killed; and ending them ends nothing else: not
the host's own children, not another inspection's server.

Each escapee carries a marker in its command line; what is asserted is that no live process with it
remains, so a process that changes its pid is found too."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import suppress
from pathlib import Path

import anyio
import pytest
from mcp import Client

from registry_mcp.errors import InspectionFailed
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.models import LocalServerConfig
from registry_mcp.servers.inspection import inspect_server
from registry_mcp.settings import Settings

from .conftest import server_command, text_of
from .test_inspect import FILES_SERVER, STALLING_SERVER, _running

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the subreaper is Linux's"),
]

SLEEP = "import time; time.sleep(300)"
# Each starts a process carrying the marker (its last argument) that tries to outlive the server.
ESCAPES = {
    "setsid-f": "setsid -f {python} -c '{sleep}' {marker}",
    "double-fork-setsid": (
        "{python} -c 'import os, sys\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        '        os.execv(sys.executable, [sys.executable, "-c", "{sleep}", sys.argv[1]])\n'
        "    os._exit(0)\n"
        "os.wait()' {marker}"
    ),
    "fork-loop": (
        "{python} -c 'import os, time\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"
        "    while True:\n"
        "        if os.fork():\n"
        "            os._exit(0)\n"
        "        time.sleep(0.005)' {marker} &"
    ),
    "own-group-deaf-to-term": (
        "{python} -c 'import os, signal, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
        "os.setpgid(0, 0)\n"
        "time.sleep(300)' {marker} &"
    ),
}


def _script(escape: str, marker: str, then: str) -> str:
    started = ESCAPES[escape].format(python=sys.executable, sleep=SLEEP, marker=marker)
    return f"{started}\nsleep 0.3\n{then}"


def _marked(marker: str) -> list[int]:
    """The live processes whose command line holds `marker`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes():
                state = (cmdline.parent / "stat").read_text().rpartition(")")[2].split()[0]
                if state != "Z":
                    found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


def _gone(marker: str, within: float = 5.0) -> list[int]:
    """The marked processes still alive after `within` seconds (an empty list as soon as none is)."""
    deadline = time.monotonic() + within
    while (left := _marked(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _kill_marked(marker: str) -> None:
    """SIGKILL every marked process by its process group: a fork loop changes its pid faster than a
    pid can be looked up and killed, but keeps its group. Fails if any outlives 10 seconds, so a test
    never leaves one running (a fork loop left behind starves every later test of CPU)."""
    deadline = time.monotonic() + 10
    while left := _marked(marker):
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes marked {marker} outlived the cleanup: {left}")
        for pid in left:
            with suppress(ProcessLookupError, PermissionError):
                group = os.getpgid(pid)
                if group != os.getpgrp():  # never the test run's own group
                    os.killpg(group, signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)


@pytest.mark.parametrize("escape", list(ESCAPES))
async def test_what_escapes_the_group_ends_with_a_successful_inspection(escape: str) -> None:
    marker = f"escapee-{uuid.uuid4().hex}"
    script = _script(escape, marker, f"exec {sys.executable} {FILES_SERVER}")
    try:
        async with Client(create_server(Settings(allow_launch=True))) as client:
            result = await client.call_tool("inspect_mcp_server", {"config": {"command": "sh", "args": ["-c", script]}})
        assert not result.is_error, text_of(result)
        assert _gone(marker) == [], f"{escape}: a descendant outlived the inspection"
    finally:
        _kill_marked(marker)


@pytest.mark.parametrize("escape", ["setsid-f", "fork-loop"])
async def test_what_escapes_ends_when_the_server_fails(escape: str) -> None:
    """The server exits by itself (no MCP at all) after starting its escapee."""
    marker = f"escapee-{uuid.uuid4().hex}"
    config = LocalServerConfig(command="sh", args=["-c", _script(escape, marker, "exit 3")])
    try:
        with pytest.raises(InspectionFailed):
            await inspect_server(config, start_timeout=10)
        assert _gone(marker) == []
    finally:
        _kill_marked(marker)


# A stdlib client of `registry-mcp` over stdio: asks to inspect the command in argv[1] (JSON), then waits.
WAITING_CLIENT = r"""
import json, sys
config = json.loads(sys.argv[1])
def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()
send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25",
      "capabilities": {}, "clientInfo": {"name": "waiting", "version": "0"}}})
sys.stdin.readline()
send({"jsonrpc": "2.0", "method": "notifications/initialized"})
send({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "inspect_mcp_server",
      "arguments": {"config": config}}})
sys.stdin.readline()
"""


def test_everything_ends_when_registry_mcp_itself_is_killed(tmp_path: Path) -> None:
    """registry-mcp is SIGKILLed mid-inspection (nothing of it runs to clean up): what the server
    started, in every escape form, ends anyway, and so does the server."""
    marker = f"escapee-{uuid.uuid4().hex}"
    pid_file = tmp_path / "server.pid"
    started = "\n".join(ESCAPES[escape].format(python=sys.executable, sleep=SLEEP, marker=marker) for escape in ESCAPES)
    script = f"{started}\nexec {sys.executable} {STALLING_SERVER} {pid_file}"  # never answers: the call waits
    config = {"command": "sh", "args": ["-c", script]}
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "REGISTRY_MCP_DB": str(tmp_path / "r.db")}
    server = subprocess.Popen(
        [server_command(), "--allow-launch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
    )
    try:
        client = subprocess.Popen(
            [sys.executable, "-c", WAITING_CLIENT, json.dumps(config)], stdin=server.stdout, stdout=server.stdin
        )
        deadline = time.monotonic() + 90  # registry-mcp's start, then the launch: slow on a busy machine
        while (len(_marked(marker)) < len(ESCAPES) or not pid_file.exists()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_marked(marker)) >= len(ESCAPES), "the escapees never started"
        server.kill()
        server.wait()
        assert _gone(marker) == [], "a descendant outlived registry-mcp"
        assert not _running(int(pid_file.read_text()))
    finally:
        server.kill()
        client.kill()
        client.wait()
        _kill_marked(marker)


async def test_an_inspection_leaves_the_hosts_own_other_children_running() -> None:
    # The process that runs the server (an app embedding create_server, or pytest) has a child of its
    # own in a session of its own, started before the inspection and not by the inspected server.
    bystander = await anyio.open_process(["sleep", "61"], start_new_session=True)
    try:
        config = {"command": sys.executable, "args": [FILES_SERVER]}
        async with Client(create_server(Settings(allow_launch=True))) as client:
            result = await client.call_tool("inspect_mcp_server", {"config": config})
        assert not result.is_error, text_of(result)
        assert _running(bystander.pid), "the inspection SIGKILLed a process the inspected server never started"
    finally:
        with suppress(ProcessLookupError):
            bystander.kill()
        await bystander.wait()


async def test_ending_one_inspection_leaves_another_running() -> None:
    """Two inspections at once, each server with an escapee: the first ends, and only its own go."""
    first, second = f"escapee-{uuid.uuid4().hex}", f"escapee-{uuid.uuid4().hex}"
    slow = LocalServerConfig(command="sh", args=["-c", _script("setsid-f", second, "sleep 300")])
    quick = LocalServerConfig(
        command="sh", args=["-c", _script("setsid-f", first, f"exec {sys.executable} {FILES_SERVER}")]
    )
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: inspect_server(slow, start_timeout=60))
            with anyio.fail_after(30):
                while not _marked(second):  # noqa: ASYNC110 (another process starts it)
                    await anyio.sleep(0.05)
            await inspect_server(quick)
            assert _gone(first) == []
            assert _marked(second), "ending one inspection ended another's descendants"
            group.cancel_scope.cancel()
        assert _gone(second) == []
    finally:
        _kill_marked(first)
        _kill_marked(second)
