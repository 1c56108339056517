"""Independent clients: the official TypeScript SDK (what Claude Desktop and most IDE clients build on)
spawns registry-mcp over stdio, lists its tools, adds a server and reads it back, checking each
structured result against the tool's output schema (Ajv); and the Claude Code CLI adds the server
exactly as the README says and connects to it."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from mcp import Client

from registry_mcp.mcp.server import TOOL_NAMES, create_server
from registry_mcp.settings import Settings

from .conftest import server_command, serving

INTEROP = Path(__file__).parent / "interop"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.packaging,
    pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js (on every machine this project targets)"),
]


@pytest.fixture(scope="module")
def typescript_sdk() -> Path:
    """tests/interop with its node_modules (`.ci/run` installs them; installed here if missing)."""
    if not (INTEROP / "node_modules" / ".bin" / "claude").exists():
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


def _claude_code_commands(*, http: bool = False) -> list[str]:
    """The README's `claude mcp add` lines: those that spawn the server, or (`http`) those that reach it."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    lines = [line.split("#")[0].strip() for line in readme.splitlines() if line.startswith("claude mcp add ")]
    return [line for line in lines if ("--transport http" in line) == http]


@pytest.mark.parametrize("command", _claude_code_commands())
def test_claude_code_adds_the_server_as_the_readme_says_and_connects(
    typescript_sdk: Path, tmp_path: Path, command: str
) -> None:
    """The README's `claude mcp add` line, run by the Claude Code CLI; `claude mcp list` then starts
    the server and checks its health with a handshake."""
    claude = typescript_sdk / "node_modules" / ".bin" / "claude"
    bin_dir = str(Path(server_command()).parent)
    environment = {
        "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "")]),
        "HOME": str(tmp_path),
        "REGISTRY_MCP_DB": str(tmp_path / "claude-code.db"),
    }
    words = shlex.split(command)
    assert words[:3] == ["claude", "mcp", "add"]

    def run(*arguments: str) -> str:
        finished = subprocess.run(
            [str(claude), *arguments], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120
        )
        assert finished.returncode == 0, finished.stdout + finished.stderr
        return finished.stdout

    assert "Added stdio MCP server enkrypt-registry" in run(*words[1:])
    listed = run("mcp", "list")
    assert "enkrypt-registry: registry-mcp" in listed and "Connected" in listed, listed


@pytest.mark.parametrize("command", _claude_code_commands(http=True))
def test_claude_code_reaches_the_http_server_as_the_readme_says(
    typescript_sdk: Path, tmp_path: Path, command: str
) -> None:
    """The README's `claude mcp add --transport http … --header "Authorization: Bearer …"` line, run by
    the Claude Code CLI against `registry-mcp --transport http`: connected with the token, not without."""
    claude_bin = str(typescript_sdk / "node_modules" / ".bin")
    token = "token-for-claude-code-5e8d0b"

    def run(line: str, url: str, secret: str) -> str:
        environment = {"PATH": os.pathsep.join([claude_bin, os.environ.get("PATH", "")]), "HOME": str(tmp_path)}
        line = line.replace("http://127.0.0.1:8000/mcp", url)
        script = f"claude mcp remove enkrypt-registry >/dev/null 2>&1; {line} >/dev/null && claude mcp list"
        environment["REGISTRY_MCP_HTTP_TOKEN"] = secret
        finished = subprocess.run(
            ["bash", "-c", script], cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=180
        )
        assert finished.returncode == 0, finished.stdout + finished.stderr
        return finished.stdout

    with serving(tmp_path, REGISTRY_MCP_HTTP_TOKEN=token) as served:
        connected = run(command, served.url, token)
        refused = run(command, served.url, "not-the-token-at-all")
    assert f"enkrypt-registry: {served.url} (HTTP)" in connected and "Connected" in connected, connected
    assert "Failed to connect" in refused and token not in served.stderr


def _in_private_etc(upper: Path, work: Path, command: list[str]) -> list[str]:
    """`command` run where /etc shows the files of `upper` over the real ones: a private mount namespace
    (with a user namespace where we are not root), so Claude Code reads managed settings from a temporary
    folder while nothing on this machine changes."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare (util-linux) to show Claude Code a managed settings file without changing /etc")
    user = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    script = f'mount -t overlay overlay -o "lowerdir=/etc,upperdir={upper},workdir={work}" /etc && exec "$@"'
    return [unshare, *user, "--mount", "--propagation", "private", "sh", "-c", script, "sh", *command]


@pytest.mark.anyio
async def test_claude_code_runs_only_what_the_registrys_managed_allowlist_approves(
    typescript_sdk: Path, tmp_path: Path
) -> None:
    """write_registry_export's 'claude_managed' file, read by the real Claude Code CLI as its managed settings:
    the registry's servers (a local and a remote one) connect, and a server the registry does not hold is
    neither loaded nor addable; without the file, the same server connects."""
    claude = str(typescript_sdk / "node_modules" / ".bin" / "claude")
    upper, work = tmp_path / "etc-upper", tmp_path / "etc-work"
    (upper / "claude-code").mkdir(parents=True)
    work.mkdir()
    managed = upper / "claude-code" / "managed-settings.json"
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}

    def run(*arguments: str, policy: bool, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [claude, *arguments]
        finished = subprocess.run(
            _in_private_etc(upper, work, command) if policy else command,
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        if check:
            assert finished.returncode == 0, finished.stdout + finished.stderr
        return finished

    with serving(tmp_path, "--auth", "none") as remote:
        approved = [server_command(), "--db", str(tmp_path / "approved.db")]
        stranger = [server_command(), "--db", str(tmp_path / "stranger.db")]
        registry = Settings(database=str(tmp_path / "registry.db"))
        async with Client(create_server(registry)) as client:
            for name, config in (
                ("approved", {"command": approved[0], "args": approved[1:]}),
                ("approved-remote", {"url": remote.url, "transport": "streamable_http"}),
            ):
                added = await client.call_tool(
                    "add_registry_server", {"saved_name": name, "mcp_config": {"config": config}}
                )
                assert not added.is_error, added
            written = await client.call_tool(
                "write_registry_export", {"format": "claude_managed", "path": str(managed), "confirm": True}
            )
        assert not written.is_error and written.structured_content["written"], written  # type: ignore[index]
        assert json.loads(managed.read_text())["allowManagedMcpServersOnly"] is True

        run("mcp", "add", "-s", "user", "approved", "--", *approved, policy=False)
        run("mcp", "add", "-s", "user", "--transport", "http", "approved-remote", remote.url, policy=False)
        run("mcp", "add", "-s", "user", "stranger", "--", *stranger, policy=False)
        unmanaged = run("mcp", "list", policy=False).stdout
        assert unmanaged.count("Connected") == 3, unmanaged  # the stranger connects where nothing forbids it

        listed = run("mcp", "list", policy=True).stdout
        refused = run("mcp", "add", "-s", "user", "another", "--", *stranger, policy=True, check=False)
    lines = {line.split(":", 1)[0]: line for line in listed.splitlines() if ":" in line}
    assert "Connected" in lines["approved"] and "Connected" in lines["approved-remote"], listed
    assert "stranger" not in lines, listed
    assert refused.returncode != 0 and "not allowed by enterprise policy" in refused.stdout + refused.stderr, refused
