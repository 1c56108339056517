"""Importing the MCP client configs people already have: Claude Desktop, Cursor, VS Code, Claude Code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.importing import ConfigError, plan_import, read_config, valid_saved_name
from registry_mcp.masking import MASK

from .conftest import server_payload, text_of

CLAUDE_DESKTOP = {
    "mcpServers": {
        "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2.1", "/tmp"]},
        "GitHub Server!": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secret"},
        },
        "fetch": {"command": "uvx", "args": ["mcp-server-fetch"]},
        "broken": {"args": ["nothing to run"]},
        "off": {"command": "npx", "args": ["-y", "x"], "disabled": True},
    }
}


def test_names_are_made_valid_and_unique() -> None:
    taken: set[str] = set()
    names = []
    for key in ("GitHub Server!", "github-server", "a" * 40, "a" * 40, "!!!"):
        names.append(name := valid_saved_name(key, taken))
        taken.add(name)
    assert names == ["GitHub-Server", "github-server", "a" * 32, "a" * 30 + "-2", "server"]


def test_a_claude_desktop_config_becomes_payloads_and_problems() -> None:
    plan = plan_import(CLAUDE_DESKTOP)
    by_key = {imported.key: imported for imported in plan.servers}
    assert list(by_key) == ["filesystem", "GitHub Server!", "fetch"]
    filesystem = by_key["filesystem"].payload
    assert (filesystem.server_name, filesystem.source_url) == (
        "@modelcontextprotocol/server-filesystem",
        "https://www.npmjs.com/package/@modelcontextprotocol/server-filesystem",
    )
    github = by_key["GitHub Server!"]
    assert (github.payload.saved_name, github.renamed) == ("GitHub-Server", True)
    assert github.payload.to_api()["mcp_config"]["config"]["env"] == {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_secret"}
    assert by_key["fetch"].payload.source_url == "https://pypi.org/project/mcp-server-fetch/"
    assert plan.problems == [
        "'broken': neither a 'command' (a local server) nor a 'url' (a remote one); skipped",
        "'off': disabled in the client; skipped",
    ]


def test_vs_code_and_claude_code_configs() -> None:
    vscode = {
        "inputs": [{"type": "promptString", "id": "key", "password": True}],
        "servers": {
            "remote": {"type": "http", "url": "https://x.example/mcp", "headers": {"Authorization": "${input:key}"}},
            "legacy": {"type": "sse", "url": "https://x.example/sse"},
        },
    }
    [remote, legacy] = [imported.payload.to_api()["mcp_config"]["config"] for imported in plan_import(vscode).servers]
    assert remote == {
        "url": "https://x.example/mcp",
        "transport": "streamable_http",
        "headers": {"Authorization": "${input:key}"},
    }
    assert legacy["transport"] == "sse"
    claude_code = {
        "mcpServers": {"a": {"command": "a"}},
        "projects": {"/repo": {"mcpServers": {"b": {"command": "b"}}}},
    }
    assert [imported.key for imported in plan_import(claude_code).servers] == ["a", "b"]


def test_unreadable_sources_are_refused_without_echoing_them(tmp_path: Path) -> None:
    for source, says in (
        ("{not json, sk-123", "not JSON"),
        (str(tmp_path / "missing.json"), "no such file"),
        ('{"something": "else"}', "no 'mcpServers'"),
        ("[1, 2]", "no such file"),
        ("x" * 5000, "cannot read"),  # a name too long for the file system
        ("a\x00b", "no such file"),
        ("~no-such-user-registry-mcp/c.json", "no such home directory"),
    ):
        with pytest.raises(ConfigError) as refused:
            plan_import(read_config(source))
        assert says in str(refused.value) and "sk-123" not in str(refused.value)
    config = tmp_path / "claude_desktop_config.json"
    config.write_text(json.dumps(CLAUDE_DESKTOP))
    assert len(plan_import(read_config(str(config))).servers) == 3


async def _import(client: Client, **arguments: Any) -> dict[str, Any]:
    result = await client.call_tool("import_client_config", arguments)
    assert result.structured_content is not None, text_of(result)
    return result.structured_content


@pytest.mark.anyio
async def test_a_dry_run_shows_masked_payloads_and_writes_nothing(client: Client) -> None:
    shown = await _import(client, source=json.dumps(CLAUDE_DESKTOP))
    assert shown["registered"] is False and "nothing was written" in shown["message"]
    github = next(entry for entry in shown["servers"] if entry["entry_name"] == "GitHub Server!")
    assert github["payload"]["mcp_config"]["config"]["env"] == {"GITHUB_PERSONAL_ACCESS_TOKEN": MASK}
    assert len(shown["problems"]) == 2
    assert [warning["field"] for warning in shown["warnings"]] == [
        "servers[1].mcp_config.config.env.GITHUB_PERSONAL_ACCESS_TOKEN"
    ]
    listed = await client.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None and listed.structured_content["total"] == 0


@pytest.mark.anyio
async def test_registering_goes_in_batches_of_100_each_all_or_nothing(client: Client) -> None:
    many = {"mcpServers": {f"srv-{index:03}": {"command": "npx", "args": ["-y", f"p{index}"]} for index in range(150)}}
    await client.call_tool("add_registry_server", server_payload("srv-120"))  # makes the second batch collide
    done = await _import(client, source=json.dumps(many), confirm=True)
    [first, second] = done["batches"]
    assert (first["batch"], len(first["added"]), "error" in first) == (1, 100, False)
    assert (second["batch"], second["added"]) == (2, []) and "HTTP 409" in second["error"]
    assert done["message"].startswith("Registered 100 of 150 servers") and "Batches [2] were refused" in done["message"]
    listed = await client.call_tool("list_registry_servers", {"per_page": 1})
    assert listed.structured_content is not None and listed.structured_content["total"] == 101


@pytest.mark.anyio
async def test_an_unreadable_config_is_a_clear_error(client: Client) -> None:
    refused = await client.call_tool("import_client_config", {"source": "/no/such/config.json"})
    assert refused.is_error and "Could not read the client config: no such file" in text_of(refused)
