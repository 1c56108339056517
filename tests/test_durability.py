"""The embedded registry's file under load: two server processes writing at once, and processes
killed (SIGKILL) in the middle of a bulk add. Nothing is lost, nothing is duplicated, and a bulk
add lands whole or not at all."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from registry_mcp.registry.embedded import RegistryStore
from registry_mcp.registry.embedded.store import Scope

from .conftest import server_command, server_payload, stdio_parameters, text_of

pytestmark = [pytest.mark.anyio, pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

PER_CLIENT_IN_FLIGHT = 8


def _stored_names(database: Path) -> Counter[str]:
    """How many live rows each saved_name has, read straight from the file."""
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT saved_name FROM servers WHERE deleted_at IS NULL").fetchall()
    return Counter(name for (name,) in rows)


async def test_two_processes_adding_at_once_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    # Both processes try the 30 names in the middle; each also bulk-adds batches of its own.
    singles = {"a": [f"one-{i:03}" for i in range(0, 60)], "b": [f"one-{i:03}" for i in range(30, 90)]}
    batches = {side: [[f"bulk-{side}{b}-{i:02}" for i in range(20)] for b in range(5)] for side in "ab"}
    outcomes: dict[str, list[str]] = defaultdict(list)

    async def writer(side: str) -> None:
        async with Client(stdio_parameters(database)) as client:
            limit = anyio.Semaphore(PER_CLIENT_IN_FLIGHT)

            async def call(tool: str, arguments: dict[str, Any], names: list[str]) -> None:
                async with limit:
                    result = await client.call_tool(tool, arguments)
                for name in names:
                    outcomes[name].append("added" if not result.is_error else text_of(result))

            async with anyio.create_task_group() as group:
                for name in singles[side]:
                    group.start_soon(call, "add_registry_server", server_payload(name), [name])
                for batch in batches[side]:
                    servers = [server_payload(name) for name in batch]
                    group.start_soon(call, "bulk_add_registry_servers", {"servers": servers}, batch)

    with anyio.fail_after(120):
        async with anyio.create_task_group() as group:
            group.start_soon(writer, "a")
            group.start_soon(writer, "b")

    stored = _stored_names(database)
    every_name = {name for names in singles.values() for name in names} | {
        name for side in batches.values() for batch in side for name in batch
    }
    assert set(stored) == every_name and set(stored.values()) == {1}  # unique, and no write lost
    for name, results in outcomes.items():
        added = results.count("added")
        assert added == 1, (name, results)
        refusals = [result for result in results if result != "added"]
        assert all("already exists" in refusal and "HTTP 409" in refusal for refusal in refusals), refusals
    assert sum(len(results) == 2 for results in outcomes.values()) == 30  # the contested names

    # And a third process reads the same total through the API.
    async with Client(stdio_parameters(database)) as reader:
        listed = await reader.call_tool("list_registry_servers", {"per_page": 1})
    assert listed.structured_content is not None and listed.structured_content["total"] == len(every_name)


# A process that opens the store, starts a bulk add of 100 servers and stops after the 50th insert,
# inside the transaction, saying so on stdout; the test then kills it.
PAUSE_MID_BULK_ADD = """
import sys, time
from registry_mcp.registry.embedded.store import RegistryStore, Scope

store = RegistryStore(sys.argv[1])
inserts = 0

def pause_mid_way(statement):
    global inserts
    if statement.startswith("INSERT INTO servers"):
        inserts += 1
        if inserts == 50:
            print("mid-way", flush=True)
            time.sleep(600)

store._db.set_trace_callback(pause_mid_way)
payloads = [{"saved_name": f"half-{i:03}", "server_version": "v1", "is_active": True} for i in range(100)]
store.add(Scope(project="default", registry_name="default"), payloads)
"""


def test_a_bulk_add_killed_half_way_leaves_none_of_its_servers(tmp_path: Path) -> None:
    database = tmp_path / "killed.db"
    store = RegistryStore(database)
    store.close()
    child = subprocess.Popen(
        [sys.executable, "-c", PAUSE_MID_BULK_ADD, str(database)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "mid-way"
        # Fifty rows are written inside the open transaction: visible to nobody else.
        assert _stored_names(database) == Counter()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert _stored_names(database) == Counter()
    # The file is not left locked: the same servers can be added now, all of them.
    store = RegistryStore(database)
    try:
        store.add(
            Scope(project="default", registry_name="default"),
            [{"saved_name": f"half-{i:03}", "server_version": "v1", "is_active": True} for i in range(100)],
        )
    finally:
        store.close()
    assert len(_stored_names(database)) == 100


async def test_killing_the_server_during_bulk_adds_leaves_each_batch_whole_or_absent(tmp_path: Path) -> None:
    """End to end: the real server process, many bulk adds in flight, killed after the first answers."""
    database = tmp_path / "server-killed.db"
    batches = 30
    environment = {"PATH": os.environ.get("PATH", ""), "REGISTRY_MCP_DB": str(database)}
    hello = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "killer", "version": "1"}}
    messages = [
        {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": hello},
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
    ]
    for batch in range(1, batches + 1):
        servers = [server_payload(f"b{batch:02}-{i:03}") for i in range(100)]
        arguments = {"name": "bulk_add_registry_servers", "arguments": {"servers": servers}}
        messages.append({"jsonrpc": "2.0", "id": batch, "method": "tools/call", "params": arguments})
    answered: list[dict[str, Any]] = []
    with anyio.fail_after(60):
        async with await anyio.open_process([server_command()], env=environment) as process:
            assert process.stdin is not None and process.stdout is not None
            await process.stdin.send("".join(json.dumps(message) + "\n" for message in messages).encode())
            buffer = b""
            while len(answered) < 4:  # the handshake and three batches
                buffer += await process.stdout.receive()
                *lines, buffer = buffer.split(b"\n")
                answered += [json.loads(line) for line in lines if line.strip()]
            process.send_signal(signal.SIGKILL)
            await process.wait()
    stored = _stored_names(database)
    sizes = Counter(name.split("-")[0] for name in stored)
    assert set(sizes.values()) <= {100}, sizes  # every batch whole, or absent
    done = {message["id"] for message in answered if message.get("id") and not message["result"]["isError"]}
    assert done and all(sizes[f"b{batch:02}"] == 100 for batch in done)  # an answered batch was kept
    assert len(sizes) < batches  # the kill landed before the end
