"""Ending what an inspected server started ends nothing else: not the host's own children in other
sessions, not another inspection's server (an adopted-orphan rule once did both)."""

from __future__ import annotations

import sys
from contextlib import suppress

import anyio
import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.servers import descendants
from registry_mcp.servers.descendants import Descendants, adopting_orphans
from registry_mcp.settings import Settings

from .conftest import text_of
from .test_inspect import FILES_SERVER, _running

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the rule reads /proc"),
]


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


async def test_one_inspections_look_never_takes_another_servers_leader() -> None:
    # Inspection A's watch looks at /proc while inspection B's server is started: in spawn_stdio the
    # leader is registered only after `await anyio.open_process(...)` returns, and that await yields
    # after the fork (asyncio waits for the pipes), so A's watch can run in that window.
    with adopting_orphans():
        a_server = await anyio.open_process(["sleep", "62"], start_new_session=True)
        a = Descendants(a_server.pid)
        b_server = await anyio.open_process(["sleep", "63"], start_new_session=True)  # B: not yet registered
        a.look()  # A's watch, in B's window
        b = Descendants(b_server.pid)
        a_server.kill()
        await a_server.wait()
        await a.end()  # inspection A ends
        try:
            assert _running(b_server.pid), "ending inspection A killed inspection B's server"
        finally:
            with suppress(ProcessLookupError):
                b_server.kill()
            await b_server.wait()
            await b.end()


def test_a_reused_pid_makes_no_stranger_a_descendant(monkeypatch: pytest.MonkeyPatch) -> None:
    """/proc as seen at two looks: the server's child (pid 200) ends, and an unrelated process takes
    pid 200 and starts a child of its own; that child is not the server's."""
    leader = 100
    first = [((leader, 1), 1, "S"), ((200, 5), leader, "S")]
    second = [((leader, 1), 1, "S"), ((200, 9), 1, "S"), ((300, 10), 200, "S")]
    looks = iter([first, second])
    monkeypatch.setattr(descendants, "_LINUX", True)
    monkeypatch.setattr(descendants, "_processes", lambda: iter(next(looks)))
    watched = descendants.Descendants(leader)
    assert watched.look() == {(200, 5)}
    assert watched.look() == set()
