"""The README's snippets, tried as a new user would: its Python library example runs, its JSON
config blocks parse, and the Claude Desktop and VS Code blocks start a working server."""

from __future__ import annotations

import json
import os
import re
import shlex
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


DOCS = {path.name: path.read_text() for path in sorted((ROOT / "docs").glob("*.md"))}


def test_every_test_the_readme_and_the_docs_name_exists() -> None:
    """A promise in the README or the docs names the test that proves it: a renamed or deleted test
    breaks this."""
    named = set(re.findall(r"\b(test_[a-z0-9_]+)\b", "\n".join([README, *DOCS.values()])))
    defined = {
        name
        for path in (ROOT / "tests").rglob("*.py")
        for name in [path.stem, *re.findall(r"def (test_[a-z0-9_]+)", path.read_text())]
    }
    assert len(named) > 100 and sorted(named - defined) == []


def test_the_readme_is_for_users_and_its_links_lead_somewhere() -> None:
    """At most 450 lines (contributors' material is in docs/), and every relative link it or a doc
    makes reaches a file of the repository."""
    assert README.count("\n") <= 450
    for name, text in {"README.md": README, **{f"docs/{doc}": body for doc, body in DOCS.items()}}.items():
        base = ROOT if name == "README.md" else ROOT / "docs"
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            assert (base / target).exists(), f"{name} links to {target}, which does not exist"


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


def _shell_lines(start: str) -> list[str]:
    lines = [line for block in _blocks("sh") for line in block.splitlines() if line.startswith(start)]
    return [line.split("#")[0].strip() for line in lines]


TOOLS = Path(sys.executable).parent  # pipx and uv come with the packaging extra


@pytest.fixture
def pipx_env(tmp_path: Path) -> dict[str, str]:
    """The README's pipx line run in a fresh home; the environment it leaves `registry-mcp` in."""
    if not (TOOLS / "pipx").exists() or not (TOOLS / "uvx").exists():
        pytest.skip("needs pipx and uv: pip install -e '.[packaging]'")
    # The machine's own settings (package index, certificates) apply, as for a user; a fresh home.
    inherited = {key: value for key, value in os.environ.items() if not key.startswith(("ENKRYPT", "REGISTRY_MCP"))}
    env = inherited | {
        "PATH": os.pathsep.join([str(tmp_path / "bin"), str(TOOLS), os.environ.get("PATH", "")]),
        "HOME": str(tmp_path),
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "REGISTRY_MCP_DB": str(tmp_path / "r.db"),
    }
    [line] = _shell_lines("pipx install ")
    words = shlex.split(line.replace("/path/to/registry-mcp", str(ROOT)))
    installed = subprocess.run(
        [str(TOOLS / words[0]), *words[1:]], env=env, timeout=300, capture_output=True, text=True, check=False
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return env


@pytest.mark.slow
@pytest.mark.packaging
@pytest.mark.anyio
async def test_the_pipx_and_uvx_lines_give_a_working_server(pipx_env: dict[str, str]) -> None:
    [line] = _shell_lines("uvx --from ")
    uvx_words = shlex.split(line.replace("/path/to/registry-mcp", str(ROOT)))
    for command, args in (("registry-mcp", []), (str(TOOLS / "uvx"), uvx_words[1:])):
        async with Client(StdioServerParameters(command=command, args=args, env=pipx_env)) as client:
            listed = await client.call_tool("list_registry_servers", {})
        assert listed.structured_content is not None, command
        assert listed.structured_content["registry"]["kind"] == "embedded"
