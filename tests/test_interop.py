"""A second, independent client: the official TypeScript SDK (what Claude Desktop and most IDE
clients build on) spawns registry-mcp over stdio, lists its tools, adds a server and reads it back.
The TypeScript client also checks each structured result against the tool's output schema (Ajv)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from registry_mcp.server import TOOL_NAMES

from .conftest import server_command

INTEROP = Path(__file__).parent / "interop"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (on every machine this project targets)"),
]


@pytest.fixture(scope="module")
def typescript_sdk() -> Path:
    """tests/interop with its node_modules (`.ci/run` installs them; installed here if missing)."""
    if not (INTEROP / "node_modules" / "@modelcontextprotocol" / "sdk").exists():
        npm = shutil.which("npm")
        assert npm is not None, "npm is needed to install the TypeScript SDK"
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=INTEROP, check=True, timeout=300)
    return INTEROP


def test_the_typescript_sdk_registers_and_reads_a_server(typescript_sdk: Path, tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None
    finished = subprocess.run(
        [node, "client.mjs", server_command(), str(tmp_path / "ts.db")],
        cwd=typescript_sdk,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    seen = json.loads(finished.stdout)
    assert seen["server"]["name"] == "registry-mcp"
    assert sorted(tool["name"] for tool in seen["tools"]) == sorted(TOOL_NAMES)
    assert all(tool["inputSchema"]["type"] == "object" and "outputSchema" in tool for tool in seen["tools"])
    assert not seen["added"].get("isError")
    server = seen["read"]["structuredContent"]["server"]
    assert server["saved_name"] == "from-typescript"
    assert server["mcp_config"]["denied_tools"] == ["write_*"]
    assert server["mcp_config"]["config"]["env"]["ROOT"].startswith("<masked")  # env values are masked
    assert seen["invalid"]["isError"] is True
    assert "saved_name" in seen["invalid"]["content"][0]["text"]
