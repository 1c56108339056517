"""The README's snippets, tried as a new user would: its Python library example runs, its JSON
config blocks parse, and the Claude Desktop and VS Code blocks start a working server."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from .conftest import server_command

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", README, flags=re.MULTILINE | re.DOTALL)


def _config_with(key: str) -> dict[str, Any]:
    [config] = [parsed for block in _blocks("json") if key in (parsed := json.loads(block))]
    return config


def test_every_json_block_parses() -> None:
    assert len(_blocks("json")) >= 2
    for block in _blocks("json"):
        json.loads(block)


def test_the_claude_desktop_block_is_the_shipped_example() -> None:
    example = json.loads((ROOT / "claude_desktop_config.example.json").read_text())
    assert _config_with("mcpServers") == example


@pytest.mark.slow
def test_the_library_example_runs_twice(tmp_path: Path) -> None:
    [example] = [block for block in _blocks("python") if "RegistryClient.embedded" in block]
    for _ in range(2):  # the second run meets the server the first one added
        ran = subprocess.run(
            [sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
        )
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert ran.stdout.strip() == "['files'] 1"
    assert (tmp_path / "registry.db").exists()


@pytest.mark.slow
@pytest.mark.anyio
async def test_the_vs_code_block_starts_the_server(tmp_path: Path) -> None:
    config = _config_with("servers")
    [input_] = config["inputs"]
    assert input_["password"] is True  # VS Code asks for the key and does not show it
    [entry] = config["servers"].values()
    assert entry["type"] == "stdio"
    # VS Code would put the person's answer here; leaving it empty selects the embedded registry.
    env = {key: value.replace("${input:" + input_["id"] + "}", "") for key, value in entry["env"].items()}
    path = os.pathsep.join([str(Path(server_command()).parent), os.environ.get("PATH", "")])
    env |= {"PATH": path, "HOME": str(tmp_path), "REGISTRY_MCP_DB": str(tmp_path / "vscode.db")}
    async with Client(StdioServerParameters(command=entry["command"], args=entry.get("args", []), env=env)) as client:
        listed = await client.call_tool("list_registry_servers", {})
    assert listed.structured_content is not None and listed.structured_content["registry"]["kind"] == "embedded"
