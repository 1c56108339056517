"""Claude Code's managed allowlist ('claude_managed'): which servers it allows and how each is matched,
which it leaves out and why, and how write_registry_export merges it into a managed-settings.json. The real
Claude Code CLI reading the file: tests/test_interop.py (the managed allowlist test)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.gateway.claude_managed import allowlist_entry
from registry_mcp.gateway.export import export
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.models import RegistryServer
from registry_mcp.settings import Settings

from .conftest import Person, text_of


def server(config: dict[str, Any], **fields: Any) -> RegistryServer:
    return RegistryServer.model_validate({"saved_name": "s", "mcp_config": {"config": config}, **fields})


@pytest.mark.parametrize(
    ("config", "entry"),
    [
        (
            {"command": "npx", "args": ["-y", "pkg@1.0.0"], "env": {"TOKEN": "t0k3n-abcdef"}},
            {"serverCommand": ["npx", "-y", "pkg@1.0.0"]},
        ),
        ({"command": "/opt/bin/server"}, {"serverCommand": ["/opt/bin/server"]}),
        (
            {"url": "https://mcp.example.com/mcp", "headers": {"Authorization": "Bearer abcdefgh1234"}},
            {"serverUrl": "https://mcp.example.com/mcp"},
        ),
        (
            {"url": "https://mcp.example.com/mcp?api_key=abcdef123456"},
            {"serverUrl": "https://mcp.example.com/mcp?api_key=*"},
        ),
        ({"url": "https://user:pa55word@mcp.example.com/mcp"}, {"serverUrl": "https://user:*@mcp.example.com/mcp"}),
    ],
)
def test_each_server_is_allowed_by_what_claude_code_matches_and_no_secret(
    config: dict[str, Any], entry: dict[str, Any]
) -> None:
    assert allowlist_entry(server(config)) == entry


@pytest.mark.parametrize(
    ("config", "fields", "why"),
    [
        ({"command": "npx", "args": ["pkg", "--api-key", "abcdef123456"]}, {}, "its command line holds a secret"),
        ({"url": "https://*.example.com/mcp"}, {}, "which Claude Code would read as a wildcard"),
        ({"command": "npx", "args": ["pkg"]}, {"is_active": False}, "it is inactive"),
    ],
)
def test_what_cannot_be_allowed_is_left_out_saying_why(
    config: dict[str, Any], fields: dict[str, Any], why: str
) -> None:
    rendered = export([server(config, **fields)], "claude_managed")
    assert rendered.config == {"allowManagedMcpServersOnly": True, "allowedMcpServers": []}
    assert rendered.servers == [] and why in rendered.skipped[0]


def test_two_servers_running_the_same_command_are_one_entry() -> None:
    one = server({"command": "npx", "args": ["pkg@1.0.0"]})
    two = server({"command": "npx", "args": ["pkg@1.0.0"]}, saved_name="t")
    assert export([one, two], "claude_managed").config["allowedMcpServers"] == [{"serverCommand": ["npx", "pkg@1.0.0"]}]


@pytest.mark.anyio
async def test_write_registry_export_makes_the_registry_the_files_allowlist(tmp_path: Path) -> None:
    target = tmp_path / "managed-settings.json"
    target.write_text(
        json.dumps(
            {
                "permissions": {"deny": ["Bash(curl:*)"]},
                "allowManagedMcpServersOnly": False,
                "allowedMcpServers": [{"serverCommand": ["npx", "-y", "pkg@1.0.0"]}, {"serverName": "legacy"}],
            }
        )
    )
    target.chmod(0o644)
    person = Person()
    async with Client(create_server(Settings()), elicitation_callback=person) as client:
        for name, config in (
            ("files", {"command": "npx", "args": ["-y", "pkg@1.0.0"]}),
            ("search", {"url": "https://search.example.com/mcp"}),
        ):
            await client.call_tool("add_registry_server", {"saved_name": name, "mcp_config": {"config": config}})
        written = await client.call_tool("write_registry_export", {"format": "claude_managed", "path": str(target)})
    assert not written.is_error, text_of(written)
    question = person.asked[0].message
    assert 'Adds "url: https://search.example.com/mcp": the URL "https://search.example.com/mcp"' in question
    assert 'Removes "{\\"serverName\\": \\"legacy\\"}" from the file\'s allowlist' in question
    content = json.loads(target.read_text())
    assert content == {
        "permissions": {"deny": ["Bash(curl:*)"]},  # the rest of the file is kept
        "allowManagedMcpServersOnly": True,
        "allowedMcpServers": [
            {"serverCommand": ["npx", "-y", "pkg@1.0.0"]},
            {"serverUrl": "https://search.example.com/mcp"},
        ],
    }
    assert oct(target.stat().st_mode & 0o777) == "0o644"  # Claude Code, run by each user, must read it
    assert "1 added" in text_of(written) and "1 kept" in text_of(written) and "1 removed" in text_of(written)


@pytest.mark.anyio
async def test_a_new_managed_settings_file_is_readable_by_every_user(tmp_path: Path) -> None:
    target = tmp_path / "managed-settings.json"
    async with Client(create_server(Settings())) as client:
        await client.call_tool(
            "add_registry_server",
            {"saved_name": "files", "mcp_config": {"config": {"command": "uvx", "args": ["tool==1.0"]}}},
        )
        written = await client.call_tool(
            "write_registry_export", {"format": "claude_managed", "path": str(target), "confirm": True}
        )
    assert not written.is_error, text_of(written)
    assert oct(target.stat().st_mode & 0o777) == "0o644"
    assert json.loads(target.read_text())["allowedMcpServers"] == [{"serverCommand": ["uvx", "tool==1.0"]}]
    assert "/etc/claude-code/managed-settings.json" in text_of(written)
