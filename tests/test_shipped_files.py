"""The files users copy as they are: the Claude Desktop config example starts a working server."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from .conftest import LIVE_API_KEY, LiveRegistry, server_command

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "claude_desktop_config.example.json"

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


def _example_entry() -> dict[str, Any]:
    config = json.loads(EXAMPLE.read_text())
    [(name, entry)] = config["mcpServers"].items()
    assert name and set(entry) <= {"command", "args", "env"}
    assert isinstance(entry["command"], str) and all(isinstance(arg, str) for arg in entry.get("args", []))
    return dict(entry)


def _launch(entry: dict[str, Any], env: dict[str, str]) -> StdioServerParameters:
    """As Claude Desktop does: the command looked up on PATH (where the package installed it)."""
    path = os.pathsep.join([str(Path(server_command()).parent), os.environ.get("PATH", "")])
    return StdioServerParameters(command=entry["command"], args=entry.get("args", []), env={"PATH": path, **env})


def test_the_example_shows_placeholders_not_secrets() -> None:
    env = _example_entry()["env"]
    assert set(env) == {"ENKRYPT_API_KEY", "ENKRYPT_PROJECT"}
    assert env["ENKRYPT_API_KEY"].startswith("<") and env["ENKRYPT_API_KEY"].endswith(">")


async def test_the_example_with_a_key_filled_in_reaches_the_registry(tmp_path: Path) -> None:
    entry = _example_entry()
    with LiveRegistry(tmp_path / "cloud.db", api_key=LIVE_API_KEY) as cloud:
        # A loopback stand-in for the cloud registry (ENKRYPT_BASE_URL), with the key filled in.
        env = {**entry["env"], "ENKRYPT_API_KEY": LIVE_API_KEY, "ENKRYPT_BASE_URL": cloud.url, "HOME": str(tmp_path)}
        async with Client(_launch(entry, env)) as client:
            info = client.server_info
            listed = await client.call_tool("list_registry_servers", {})
    assert info is not None and info.name == "registry-mcp"
    assert not listed.is_error and listed.structured_content is not None
    assert listed.structured_content["registry"]["kind"] == "cloud"


async def test_the_example_without_the_key_line_runs_on_the_embedded_registry(tmp_path: Path) -> None:
    entry = _example_entry()
    env = {key: value for key, value in entry["env"].items() if key != "ENKRYPT_API_KEY"}
    env |= {"HOME": str(tmp_path), "REGISTRY_MCP_DB": str(tmp_path / "local.db")}
    async with Client(_launch(entry, env)) as client:
        listed = await client.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None and listed.structured_content["registry"]["kind"] == "embedded"
