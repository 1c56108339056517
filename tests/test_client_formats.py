"""Each client's config as it is written today, imported and exported: Gemini CLI, Zed, Codex CLI,
Windsurf, VS Code, Claude Desktop. The fixtures in tests/data/clients/ follow each client's
documented format; every change a round trip makes is in a note."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from registry_mcp.mcp.server import create_server
from registry_mcp.settings import Settings

from .conftest import Person, text_of

pytestmark = pytest.mark.anyio
CLIENTS = Path(__file__).parent / "data" / "clients"
LOCAL = {
    "saved_name": "files",
    "mcp_config": {
        "config": {"command": "npx", "args": ["-y", "@m/files"], "env": {"API_TOKEN": "${FILES_TOKEN}"}},
        "denied_tools": ["write_file", "delete_*"],
    },
}
REMOTE = {
    "saved_name": "web",
    "mcp_config": {
        "config": {"url": "https://web.example/mcp", "headers": {"Authorization": "Bearer web-secret-1"}},
        "tools": {"read": {}, "search": {}},
        "denied_tools": ["*"],
    },
}
EVENTS = {"saved_name": "events", "mcp_config": {"config": {"url": "https://events.example/sse", "transport": "sse"}}}


async def _import(source: str) -> dict[str, Any]:
    async with Client(create_server(Settings(show_secrets=True))) as client:
        result = await client.call_tool("import_client_config", {"source": source})
    assert result.structured_content is not None, text_of(result)
    return result.structured_content


def _servers(shown: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["entry_name"]: entry for entry in shown["servers"]}


def _notes(entry: dict[str, Any]) -> set[str]:
    return {note["field"] for note in entry["notes"]}


async def _export(export_format: str, *records: dict[str, Any]) -> dict[str, Any]:
    async with Client(create_server(Settings(show_secrets=True))) as client:
        for record in records:
            await client.call_tool("add_registry_server", record)
        result = await client.call_tool("export_registry_servers", {"format": export_format})
    assert result.structured_content is not None and not result.is_error, text_of(result)
    return result.structured_content


# --- import -----------------------------------------------------------------------------------------


async def test_gemini_http_url_sse_url_and_tool_filters() -> None:
    servers = _servers(await _import(str(CLIENTS / "gemini_settings.json")))
    github, events, git = servers["github"]["payload"], servers["events"]["payload"], servers["git"]["payload"]
    assert github["mcp_config"]["config"]["transport"] == "streamable_http"
    assert github["mcp_config"]["denied_tools"] == ["create_repository", "delete_file"]
    assert {"httpUrl", "excludeTools", "timeout"} <= _notes(servers["github"])
    # An allow list is '*' plus the tools map, which the gateway spares from '*'.
    assert events["mcp_config"]["denied_tools"] == ["*"]
    assert events["mcp_config"]["tools"] == {"list_events": {}, "get_event": {}}
    assert events["mcp_config"]["config"]["transport"] == "sse"
    assert git["mcp_config"]["config"] == {"command": "uvx", "args": ["mcp-server-git"]}
    assert {"cwd", "trust"} <= _notes(servers["git"])


async def test_zed_context_servers_in_both_forms_and_remote() -> None:
    servers = _servers(await _import(str(CLIENTS / "zed_settings.json")))
    assert list(servers) == ["filesystem", "older-form", "remote"]
    assert servers["filesystem"]["payload"]["mcp_config"]["config"]["command"] == "npx"
    older = servers["older-form"]["payload"]["mcp_config"]["config"]
    assert (older["command"], older["args"]) == ("uvx", ["mcp-server-fetch"])
    assert servers["remote"]["payload"]["mcp_config"]["config"]["url"] == "https://mcp.example.com/mcp"
    assert {"settings", "command"} <= _notes(servers["older-form"])  # an export writes the current form


async def test_codex_config_toml_from_a_file_and_as_text() -> None:
    for source in (str(CLIENTS / "codex_config.toml"), (CLIENTS / "codex_config.toml").read_text()):
        shown = await _import(source)
        servers = _servers(shown)
        assert list(servers) == ["docs", "figma", "tracker"]
        assert any("'off'" in problem and "disabled" in problem for problem in shown["problems"])
        docs = servers["docs"]["payload"]["mcp_config"]
        assert docs["config"]["env"] == {"LOG_LEVEL": "info", "CONTEXT7_API_KEY": "<to be supplied: CONTEXT7_API_KEY>"}
        assert docs["denied_tools"] == ["resolve-library-id"]
        assert {"disabled_tools", "startup_timeout_sec", "mcp_config.config.env.CONTEXT7_API_KEY"} <= _notes(
            servers["docs"]
        )
        figma = servers["figma"]["payload"]["mcp_config"]
        assert figma["config"]["headers"] == {
            "X-Figma-Region": "us-east-1",
            "Authorization": "Bearer <to be supplied: FIGMA_OAUTH_TOKEN>",
        }
        assert (figma["denied_tools"], figma["tools"]) == (["*"], {"get_code": {}, "get_image": {}})
        tracker = servers["tracker"]["payload"]["mcp_config"]["config"]
        assert tracker["headers"] == {"X-Api-Key": "<to be supplied: TRACKER_API_KEY>"}


async def test_windsurf_server_url_and_disabled_tools_are_carried_and_said() -> None:
    figma = _servers(await _import(str(CLIENTS / "windsurf_mcp_config.json")))["figma"]
    assert figma["payload"]["mcp_config"]["denied_tools"] == ["delete_comment"]
    assert {"serverUrl", "disabledTools"} <= _notes(figma)


@pytest.mark.parametrize(
    ("source", "why"),
    [
        ({"mcpServers": {}}, "its 'mcpServers' is empty"),
        ({"context_servers": {}}, "its 'context_servers' is empty"),
        ({"mcp_configs": {"c": {"mcp_config": []}}}, "the gateway config holds no server"),
        ({"mcpServers": {"off": {"command": "x", "disabled": True}}}, "disabled in the client"),
    ],
)
async def test_an_import_that_yields_nothing_says_why(source: dict[str, Any], why: str) -> None:
    shown = await _import(json.dumps(source))
    assert shown["servers"] == []
    assert why in shown["message"] + " ".join(shown["problems"])


async def test_a_config_with_no_servers_block_names_every_block_read() -> None:
    async with Client(create_server(Settings())) as client:
        refused = await client.call_tool("import_client_config", {"source": json.dumps({"theme": "dark"})})
    assert refused.is_error
    assert all(block in text_of(refused) for block in ("mcpServers", "context_servers", "mcp_servers", "mcp_configs"))


# --- export -----------------------------------------------------------------------------------------


async def test_claude_desktop_reaches_remote_servers_through_mcp_remote() -> None:
    exported = await _export("claude_desktop", REMOTE, EVENTS)
    web, events = exported["config"]["mcpServers"]["web"], exported["config"]["mcpServers"]["events"]
    assert web == {
        "command": "npx",
        "args": ["-y", "mcp-remote", "https://web.example/mcp", "--header", "Authorization:${MCP_REMOTE_HEADER_1}"],
        "env": {"MCP_REMOTE_HEADER_1": "Bearer web-secret-1"},
    }
    assert events["args"] == ["-y", "mcp-remote", "https://events.example/sse", "--transport", "sse-only"]
    assert any("mcp-remote" in note for note in exported["notes"])


async def test_vs_code_gets_env_references_its_way() -> None:
    exported = await _export("vscode", LOCAL)
    files = exported["config"]["servers"]["files"]
    assert files["type"] == "stdio" and files["env"] == {"API_TOKEN": "${env:FILES_TOKEN}"}
    assert any("${env:NAME}" in note for note in exported["notes"])


async def test_client_tool_filters_take_exact_names_and_allow_lists() -> None:
    exported = await _export("gemini", LOCAL, REMOTE, EVENTS)
    servers = exported["config"]["mcpServers"]
    assert servers["files"]["excludeTools"] == ["write_file"]
    assert servers["web"] == {
        "httpUrl": "https://web.example/mcp",
        "headers": {"Authorization": "Bearer web-secret-1"},
        "includeTools": ["read", "search"],
    }
    assert servers["events"] == {"url": "https://events.example/sse"}
    assert any("'delete_*'" in note for note in exported["notes"])
    windsurf = (await _export("windsurf", LOCAL, REMOTE))["config"]["mcpServers"]
    assert windsurf["web"]["serverUrl"] == "https://web.example/mcp" and "disabledTools" not in windsurf["web"]
    assert windsurf["files"]["disabledTools"] == ["write_file"]


async def test_zed_and_codex_blocks() -> None:
    zed = (await _export("zed", LOCAL, REMOTE))["config"]["context_servers"]
    assert zed["files"]["source"] == "custom" and zed["web"]["url"] == "https://web.example/mcp"
    codex = await _export("codex", LOCAL, REMOTE)
    parsed = tomllib.loads(codex["toml"])
    assert parsed == codex["config"]
    assert parsed["mcp_servers"]["web"]["http_headers"] == {"Authorization": "Bearer web-secret-1"}
    assert parsed["mcp_servers"]["web"]["enabled_tools"] == ["read", "search"]


async def test_a_codex_export_masks_the_toml_text_too() -> None:
    async with Client(create_server(Settings())) as client:
        await client.call_tool("add_registry_server", REMOTE)
        result = await client.call_tool("export_registry_servers", {"format": "codex"})
    assert result.structured_content is not None
    assert "web-secret-1" not in text_of(result) and "web-secret-1" not in result.structured_content["toml"]


@pytest.mark.parametrize("fixture", ["gemini_settings.json", "zed_settings.json", "codex_config.toml"])
async def test_an_import_exported_back_to_the_same_client_keeps_what_it_runs(fixture: str) -> None:
    style = {"gemini_settings.json": "gemini", "zed_settings.json": "zed", "codex_config.toml": "codex"}[fixture]
    block = {"gemini": "mcpServers", "zed": "context_servers", "codex": "mcp_servers"}[style]
    original = _parsed(CLIENTS / fixture)[block]
    async with Client(create_server(Settings(show_secrets=True)), elicitation_callback=Person()) as client:
        imported = await client.call_tool("import_client_config", {"source": str(CLIENTS / fixture), "confirm": True})
        assert not imported.is_error, text_of(imported)
        exported = await client.call_tool("export_registry_servers", {"format": style})
    assert exported.structured_content is not None
    again = exported.structured_content["config"][block]
    for name, entry in again.items():
        before = original[name]
        for key in ("command", "args", "url", "httpUrl", "excludeTools", "includeTools", "disabled_tools"):
            if key in before and key in entry and not isinstance(before[key], dict):  # Zed's older form: noted
                assert entry[key] == before[key], (name, key)


def _parsed(path: Path) -> dict[str, Any]:
    if path.suffix == ".toml":
        return tomllib.loads(path.read_text())
    from registry_mcp.importing.jsonc import strip_jsonc

    return dict(json.loads(strip_jsonc(path.read_text())))


async def test_write_a_codex_config_toml_keeping_its_other_settings(tmp_path: Path) -> None:
    target = tmp_path / "config.toml"
    target.write_text('model = "o3"\n\n[mcp_servers.mine]\ncommand = "mine"\n')
    async with Client(create_server(Settings()), elicitation_callback=Person()) as client:
        await client.call_tool("add_registry_server", LOCAL)
        written = await client.call_tool("write_registry_export", {"format": "codex", "path": str(target)})
        assert written.structured_content is not None and written.structured_content["written"], text_of(written)
        parsed = tomllib.loads(target.read_text())
        assert parsed["model"] == "o3" and parsed["mcp_servers"]["mine"] == {"command": "mine"}
        assert parsed["mcp_servers"]["files"]["disabled_tools"] == ["write_file"]
        commented = tmp_path / "commented.toml"
        commented.write_text("# mine\nmodel = 'o3'\n")
        refused = await client.call_tool("write_registry_export", {"format": "codex", "path": str(commented)})
    assert refused.is_error and "comments" in text_of(refused)
    assert commented.read_text() == "# mine\nmodel = 'o3'\n"
