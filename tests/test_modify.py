"""Modify never loses a write: concurrent modifies of different fields all survive, on the embedded
registry (merged inside the write's transaction) and on a cloud-style registry reached over HTTP
(read, merged and written under a per-server lock, re-checked before the write).

`REGISTRY_MCP_ROUNDS` sets how many rounds each race runs (default 5; the report's figures are with 100).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from registry_mcp import RegistryClient
from registry_mcp.server import create_server
from registry_mcp.settings import Settings

from .conftest import LiveRegistry, server_payload, stdio_parameters

pytestmark = pytest.mark.anyio

ROUNDS = int(os.environ.get("REGISTRY_MCP_ROUNDS", "5"))
IN_FLIGHT = 40


@pytest.fixture(params=["embedded", "cloud"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    """The embedded registry in a file, or a cloud-style registry served over HTTP with a key."""
    if request.param == "embedded":
        yield Settings(database=str(tmp_path / "registry.db"))
        return
    with LiveRegistry(tmp_path / "cloud.db", api_key="sk-cloud-test") as live:
        yield Settings(api_key="sk-cloud-test", base_url=live.url)


async def _stored(settings: Settings, saved_name: str) -> dict[str, Any]:
    async with settings.open_client() as registry:
        return (await registry.get_server(saved_name)).to_api()


def _set_env(saved_name: str, key: str, value: str) -> dict[str, Any]:
    return {"saved_name": saved_name, "mcp_config": {"config": {"env": {key: value}}}}


async def test_forty_modifies_in_flight_in_one_session_all_survive(settings: Settings) -> None:
    expected = {f"KEY_{index:02}": f"value-{index}" for index in range(IN_FLIGHT)}
    async with Client(create_server(settings)) as client:
        for round_ in range(ROUNDS):
            name = f"inflight-{round_}"
            await client.call_tool("add_registry_server", server_payload(name))
            failures: list[str] = []

            async def modify(key: str, value: str, name: str = name, failures: list[str] = failures) -> None:
                result = await client.call_tool("modify_registry_server", _set_env(name, key, value))
                if result.is_error:
                    failures.append(key)

            async with anyio.create_task_group() as group:
                for key, value in expected.items():
                    group.start_soon(modify, key, value)
            assert failures == []
            stored = await _stored(settings, name)
            assert stored["mcp_config"]["config"]["env"] == expected, f"round {round_}"


async def test_a_deny_list_racing_an_env_change_both_survive(settings: Settings) -> None:
    async with Client(create_server(settings)) as client:
        for round_ in range(ROUNDS * 4):
            name = f"deny-{round_}"
            await client.call_tool("add_registry_server", server_payload(name))
            async with anyio.create_task_group() as group:
                group.start_soon(
                    client.call_tool,
                    "modify_registry_server",
                    {"saved_name": name, "mcp_config": {"denied_tools": ["write_*", "delete_*"]}},
                )
                group.start_soon(client.call_tool, "modify_registry_server", _set_env(name, "LOG_LEVEL", "debug"))
            stored = (await _stored(settings, name))["mcp_config"]
            assert stored["denied_tools"] == ["write_*", "delete_*"], f"round {round_}"
            assert stored["config"]["env"] == {"LOG_LEVEL": "debug"}, f"round {round_}"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX subprocesses")
async def test_two_processes_modifying_one_server_lose_nothing(tmp_path: Path) -> None:
    """Two `registry-mcp` processes on one file, each setting its own env keys of the same server."""
    database = tmp_path / "shared.db"
    per_side = 40
    async with RegistryClient.embedded(database) as registry:
        for round_ in range(ROUNDS):
            await registry.add_server(server_payload(f"shared-{round_}"))

    async def writer(side: str) -> None:
        async with Client(stdio_parameters(database)) as client:
            for round_ in range(ROUNDS):
                async with anyio.create_task_group() as group:
                    for index in range(per_side):
                        group.start_soon(
                            client.call_tool,
                            "modify_registry_server",
                            _set_env(f"shared-{round_}", f"{side.upper()}_{index:02}", f"{side}{index}"),
                        )

    async with anyio.create_task_group() as group:
        group.start_soon(writer, "a")
        group.start_soon(writer, "b")
    expected = {f"{side.upper()}_{index:02}": f"{side}{index}" for side in "ab" for index in range(per_side)}
    async with RegistryClient.embedded(database) as registry:
        for round_ in range(ROUNDS):
            stored = (await registry.get_server(f"shared-{round_}")).to_api()
            assert stored["mcp_config"]["config"]["env"] == expected, f"round {round_}"
