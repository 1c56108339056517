"""Modify never loses a write: concurrent modifies of different fields all survive, on the embedded
registry (merged inside the write's transaction) and on a cloud-style registry reached over HTTP
(read, merged and written under a per-server lock, re-checked before the write).

`REGISTRY_MCP_ROUNDS` sets how many rounds each race runs (default 5; the report's figures are with 100).
"""

from __future__ import annotations

import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from registry_mcp import RegistryClient
from registry_mcp.mcp.server import create_server
from registry_mcp.registry import endpoints
from registry_mcp.registry.patching import target_of
from registry_mcp.settings import Settings

from .conftest import LiveRegistry, server_payload, stdio_parameters, stored_record, text_of

pytestmark = pytest.mark.anyio

ROUNDS = int(os.environ.get("REGISTRY_MCP_ROUNDS", "5"))
IN_FLIGHT = 40


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
            stored = await stored_record(settings, name)
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
            stored = (await stored_record(settings, name))["mcp_config"]
            assert stored["denied_tools"] == ["write_*", "delete_*"], f"round {round_}"
            assert stored["config"]["env"] == {"LOG_LEVEL": "debug"}, f"round {round_}"


GET, PATCH = ("GET", "/mcp-registry/get-server"), ("PATCH", "/mcp-registry/modify-server")


@pytest.mark.parametrize(
    ("merges", "expected"),
    [(True, [PATCH]), (False, [GET, GET, PATCH])],
    ids=["registry-merges", "client-merges"],
)
async def test_the_endpoint_table_decides_whether_modify_reads_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, merges: bool, expected: list[tuple[str, str]]
) -> None:
    """A registry that merges gets the patch alone; otherwise the client reads, re-reads and writes."""
    monkeypatch.setitem(
        endpoints.ENDPOINTS, "modify", dataclasses.replace(endpoints.ENDPOINTS["modify"], merges=merges)
    )
    with LiveRegistry(tmp_path / "cloud.db", api_key="sk-cloud-test") as live:
        settings = Settings(api_key="sk-cloud-test", base_url=live.url)
        async with Client(create_server(settings)) as client:
            await client.call_tool("add_registry_server", server_payload("patched"))
            live.requests.clear()
            result = await client.call_tool("modify_registry_server", _set_env("patched", "LOG_LEVEL", "debug"))
            assert not result.is_error, text_of(result)
            assert live.requests == expected
        assert (await stored_record(settings, "patched"))["mcp_config"]["config"]["env"] == {"LOG_LEVEL": "debug"}


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


# --- secrets stay where they were put -------------------------------------------------------------

TOKEN = "Bearer tok-7Qm2-stays-home"
OAUTH_SECRET = "oauth-secret-9Xe4-stays-home"
API_KEY = "sk-env-4Kd8-stays-home"
REMOTE: dict[str, Any] = {
    "config": {
        "url": "https://api.example.com/mcp",
        "transport": "streamable_http",
        "headers": {"Authorization": TOKEN, "X-Tenant": "acme"},
    },
    "oauth_config": {
        "enabled": True,
        "OAUTH_CLIENT_ID": "client-visible",
        "OAUTH_CLIENT_SECRET": OAUTH_SECRET,
        "OAUTH_TOKEN_URL": "https://auth.example.com/token",
    },
}
LOCAL: dict[str, Any] = {
    "config": {
        "command": "npx",
        "args": ["-y", "@example/files@1.2.0", "/srv/data"],
        "env": {"EXAMPLE_API_KEY": API_KEY},
    }
}


@pytest.mark.parametrize(
    "url",
    ["https://evil.example.net/mcp", "http://api.example.com/mcp", "https://api.example.com:8443/mcp"],
    ids=["host", "scheme", "port"],
)
async def test_a_remote_server_moved_elsewhere_does_not_take_its_secrets(settings: Settings, url: str) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("remote", mcp_config=REMOTE))
        moved = await client.call_tool(
            "modify_registry_server", {"saved_name": "remote", "mcp_config": {"config": {"url": url}}}
        )
    assert not moved.is_error, text_of(moved)
    stored = (await stored_record(settings, "remote"))["mcp_config"]
    assert stored["config"] == {"url": url, "transport": "streamable_http", "headers": {}}
    assert "OAUTH_CLIENT_SECRET" not in stored["oauth_config"]
    assert stored["oauth_config"]["OAUTH_CLIENT_ID"] == "client-visible"


async def test_a_remote_server_keeps_its_secrets_on_the_same_host(settings: Settings) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("remote", mcp_config=REMOTE))
        moved = await client.call_tool(
            "modify_registry_server",
            {"saved_name": "remote", "mcp_config": {"config": {"url": "https://API.example.com:443/v2/mcp"}}},
        )
    assert not moved.is_error, text_of(moved)
    stored = (await stored_record(settings, "remote"))["mcp_config"]
    assert stored["config"]["headers"] == {"Authorization": TOKEN, "X-Tenant": "acme"}
    assert stored["oauth_config"]["OAUTH_CLIENT_SECRET"] == OAUTH_SECRET


async def test_secrets_sent_again_go_to_the_new_target(settings: Settings) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("remote", mcp_config=REMOTE))
        changes = {"config": {"url": "https://new.example.org/mcp", "headers": {"Authorization": "Bearer new-token"}}}
        moved = await client.call_tool("modify_registry_server", {"saved_name": "remote", "mcp_config": changes})
    assert not moved.is_error, text_of(moved)
    stored = (await stored_record(settings, "remote"))["mcp_config"]
    assert stored["config"]["headers"] == {"Authorization": "Bearer new-token"}


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_mask_sent_to_a_new_target_is_refused_and_says_why(settings: Settings, mode: str) -> None:
    async with Client(create_server(settings), mode=mode) as client:
        await client.call_tool("add_registry_server", server_payload("remote", mcp_config=REMOTE))
        read = await client.call_tool("get_registry_server", {"saved_name": "remote"})
        assert read.structured_content is not None
        mcp_config = read.structured_content["server"]["mcp_config"]
        mcp_config["config"]["url"] = "https://evil.example.net/mcp"
        refused = await client.call_tool("modify_registry_server", {"saved_name": "remote", "mcp_config": mcp_config})
    assert refused.is_error
    message = text_of(refused)
    assert "mcp_config.config.headers.Authorization" in message
    assert "the scheme, host or port of url changes" in message
    assert "send the value again" in message
    assert TOKEN not in message and "evil.example.net" not in message
    assert (await stored_record(settings, "remote"))["mcp_config"] == REMOTE


@pytest.mark.parametrize(
    ("config", "kept"),
    [
        ({"command": "uvx"}, False),
        ({"args": ["-y", "@evil/files", "/srv/data"]}, False),
        ({"args": ["-y", "@example/files@2.0.0", "/srv/data"]}, True),
        ({"args": ["-y", "@example/files", "/home/me"]}, True),
        ({"url": "https://files.example.com/mcp"}, False),
    ],
    ids=["command", "package", "package-version", "other-argument", "becomes-remote"],
)
async def test_a_local_server_running_something_else_does_not_take_its_secrets(
    settings: Settings, config: dict[str, Any], kept: bool
) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("local", mcp_config=LOCAL))
        changed = await client.call_tool(
            "modify_registry_server", {"saved_name": "local", "mcp_config": {"config": config}}
        )
    assert not changed.is_error, text_of(changed)
    stored = (await stored_record(settings, "local"))["mcp_config"]["config"]
    assert (stored.get("env") == {"EXAMPLE_API_KEY": API_KEY}) is kept
    assert API_KEY not in repr(stored) or kept


# What runs changes, though the command and the first word after the options do not: another package
# named by -p, inline code given to the interpreter. Each must leave the stored secret behind.
SWITCHES = [
    (["-y", "-p", "@good/pkg", "good-cmd"], ["-y", "-p", "@evil/pkg", "good-cmd"], "npx", "the package in args"),
    (["-m", "good_pkg"], ["-c", "import os; os.system('id')", "-m", "good_pkg"], "python3", "inline code"),
    (["server.js"], ["-e", "require('child_process').exec('id')", "server.js"], "node", "inline code"),
]


@pytest.mark.parametrize(("before", "after", "command", "why"), SWITCHES, ids=["npx-p", "python-c", "node-e"])
async def test_a_masked_secret_sent_back_to_what_runs_something_else_is_not_kept(
    settings: Settings, before: list[str], after: list[str], command: str, why: str
) -> None:
    """The model reads the record (masked), changes what runs and sends the rest back as it read it."""
    stored = {"config": {"command": command, "args": before, "env": {"API_TOKEN": API_KEY}}}
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("switch", mcp_config=stored))
        read = await client.call_tool("get_registry_server", {"saved_name": "switch"})
        assert read.structured_content is not None
        mcp_config = read.structured_content["server"]["mcp_config"]
        assert mcp_config["config"]["env"]["API_TOKEN"] != API_KEY  # masked
        mcp_config["config"]["args"] = after
        refused = await client.call_tool("modify_registry_server", {"saved_name": "switch", "mcp_config": mcp_config})
    assert refused.is_error, text_of(refused)
    assert "mcp_config.config.env.API_TOKEN" in text_of(refused) and why in text_of(refused)
    assert API_KEY not in text_of(refused)
    assert (await stored_record(settings, "switch"))["mcp_config"]["config"]["args"] == before


@pytest.mark.parametrize(("before", "after", "command", "why"), SWITCHES, ids=["npx-p", "python-c", "node-e"])
async def test_what_runs_something_else_drops_the_stored_secrets_and_says_which_and_why(
    settings: Settings, before: list[str], after: list[str], command: str, why: str
) -> None:
    stored = {"config": {"command": command, "args": before, "env": {"API_TOKEN": API_KEY}}}
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("switch", mcp_config=stored))
        changed = await client.call_tool(
            "modify_registry_server", {"saved_name": "switch", "mcp_config": {"config": {"args": after}}}
        )
    assert not changed.is_error, text_of(changed)
    said = text_of(changed)
    assert "mcp_config.config.env.API_TOKEN" in said and "dropped" in said and why in said, said
    assert API_KEY not in said
    assert (await stored_record(settings, "switch"))["mcp_config"]["config"] == {
        "command": command,
        "args": after,
        "env": {},
    }


async def test_an_env_variable_that_changes_what_runs_drops_the_stored_secrets(settings: Settings) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("local", mcp_config=LOCAL))
        changed = await client.call_tool(
            "modify_registry_server",
            {"saved_name": "local", "mcp_config": {"config": {"env": {"NODE_OPTIONS": "--require=/tmp/x.js"}}}},
        )
    said = text_of(changed)
    assert not changed.is_error and "mcp_config.config.env.EXAMPLE_API_KEY" in said, said
    assert "NODE_OPTIONS, which changes what runs" in said
    stored = (await stored_record(settings, "local"))["mcp_config"]["config"]["env"]
    assert stored == {"NODE_OPTIONS": "--require=/tmp/x.js"}


async def test_a_new_argument_to_the_same_package_keeps_the_secrets_and_says_nothing(settings: Settings) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("local", mcp_config=LOCAL))
        changed = await client.call_tool(
            "modify_registry_server",
            {"saved_name": "local", "mcp_config": {"config": {"args": ["-y", "@example/files@1.3.0", "/home"]}}},
        )
    assert not changed.is_error and "dropped" not in text_of(changed), text_of(changed)
    assert (await stored_record(settings, "local"))["mcp_config"]["config"]["env"] == {"EXAMPLE_API_KEY": API_KEY}


@pytest.mark.parametrize(
    ("config", "target"),
    [
        ({"url": "https://API.example.com/mcp?x=1"}, ("remote", "https", "api.example.com", "443")),
        ({"url": "http://u:pw@api.example.com:8080/"}, ("remote", "http", "api.example.com", "8080")),
        ({"command": "npx", "args": ["-y", "@scope/pkg@1.2.0", "/tmp"]}, ("local", "npx", "@scope/pkg", (), (), ())),
        (
            {"command": "uvx", "args": ["--from", "git+https://x.test/y", "tool"]},
            ("local", "uvx", "git+https://x.test/y", (), (), ()),
        ),
        ({"command": "uvx", "args": ["mcp-server-fetch==0.6"]}, ("local", "uvx", "mcp-server-fetch", (), (), ())),
        (
            {"command": "docker", "args": ["run", "-i", "--rm", "-e", "TOKEN", "ghcr.io/acme/server:1"]},
            ("local", "docker", "ghcr.io/acme/server", (), (), ()),
        ),
        ({"command": "python", "args": ["-m", "acme_server"]}, ("local", "python", "acme_server", (), (), ())),
        ({"command": "/opt/server"}, ("local", "/opt/server", "", (), (), ())),
        ({"command": "x", "url": "https://both.example"}, None),
    ],
)
def test_what_a_servers_target_is(config: dict[str, Any], target: tuple[Any, ...] | None) -> None:
    assert target_of(config) == target


async def test_modify_warns_as_add_does(settings: Settings) -> None:
    async with Client(create_server(settings)) as client:
        await client.call_tool("add_registry_server", server_payload("remote", mcp_config=REMOTE))
        changed = await client.call_tool(
            "modify_registry_server",
            {
                "saved_name": "remote",
                "mcp_config": {"config": {"url": "http://api.example.com/mcp", "headers": {"X-Api-Key": "${API_KEY}"}}},
            },
        )
        described = await client.call_tool("modify_registry_server", {"saved_name": "remote", "description": "words"})
    assert not changed.is_error, text_of(changed)
    assert changed.structured_content is not None
    fields = {warning["field"] for warning in changed.structured_content["warnings"]}
    # The OAuth client secret did not follow the server to plain http, so OAuth now lacks one.
    assert fields == {
        "mcp_config.config.url",
        "mcp_config.config.headers.X-Api-Key",
        "mcp_config.oauth_config.OAUTH_CLIENT_SECRET",
    }
    assert "3 warnings to look at" in text_of(changed)
    assert described.structured_content is not None and described.structured_content.get("warnings") is None


async def test_moving_a_server_that_does_not_exist_says_that_it_does_not_exist(settings: Settings) -> None:
    async with Client(create_server(settings)) as client:
        moved = await client.call_tool(
            "modify_registry_server", {"saved_name": "missing", "mcp_config": {"config": {"args": ["-y", "x"]}}}
        )
    assert moved.is_error and "server 'missing' version 'v1': no such server (HTTP 404)" in text_of(moved)
