"""What registry-mcp costs a model's context, beside peer MCP servers measured the same way.

    python -m benchmarks.context            # registry-mcp: tools/list and typical results
    python -m benchmarks.context --peers    # and the peers (installed into a cache on first use)
    python -m benchmarks.context --write    # also record the figures in benchmarks/RESULTS.md

`python -m benchmarks` runs it too (`--peers` there as well), as a section of its report.

Every tool definition is sent to the model on every turn, so `tools/list` is a server's running cost.
Each server is spawned and spoken to over stdio with the same raw JSON-RPC driver, and sizes are
characters of compact JSON (`separators=(",", ":")`):

- model-facing: each tool's name, description and inputSchema (what a client passes to the model);
- whole: the whole `tools/list` (output schemas, annotations and titles too).

The peers are the reference servers people run beside this one: three from npm (installed with
`npm install --prefix`), two from PyPI (installed into a venv); a peer that cannot be installed is
skipped with a note. The baseline figures (measured the same way on main at 3c2ae05) are
kept here as data and printed beside this run's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .stdio import StdioServer

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"
SECTION_HEADING = "## Context cost"
# Over all of registry-mcp's tools (the issue's targets: in the peers' range).
MODEL_FACING_TARGET = 13_000
PER_TOOL_TARGET = 1_200
WHOLE_TARGET = 30_000

# Measured by this module on main at 3c2ae05, as the baseline: (tools, model-facing, whole) and the
# typical results' (text block, structuredContent, whole result). Validate was its own tool then.
BEFORE_TOOLS = {"registry-mcp (default)": (11, 44_441, 104_833), "registry-mcp `--read-only`": (5, 12_621, 33_846)}
BEFORE_RESULTS = {
    "add (one local server)": (1_134, 1_025, 2_344),
    "get (that server)": (1_116, 1_016, 2_317),
    "list (a page of 20)": (4_456, 4_360, 9_359),
    "validate (dry-run add, 11 warnings)": (5_540, 4_047, 9_826),
}


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class ToolsCost:
    """What one server's `tools/list` costs."""

    server: str
    tools: int
    model_facing: int
    whole: int

    @property
    def per_tool(self) -> int:
        return round(self.model_facing / self.tools) if self.tools else 0

    def row(self) -> list[str]:
        before = BEFORE_TOOLS.get(self.server)
        was = f"{before[1]:,} / {before[2]:,} ({before[0]} tools)" if before else ""
        return [self.server, str(self.tools), f"{self.model_facing:,}", f"{self.per_tool:,}", f"{self.whole:,}", was]


def list_tools(server: StdioServer) -> list[dict[str, Any]]:
    """Every tool the server lists, through all pages."""
    tools: list[dict[str, Any]] = []
    cursor = None
    while True:
        result = server.checked(server.request("tools/list", {"cursor": cursor} if cursor else {}))
        tools += result.get("tools", [])
        cursor = result.get("nextCursor")
        if not cursor:
            return tools


def tools_cost(name: str, tools: list[dict[str, Any]]) -> ToolsCost:
    model = [{key: tool.get(key) for key in ("name", "description", "inputSchema")} for tool in tools]
    return ToolsCost(name, len(tools), len(compact(model)), len(compact(tools)))


def measure_server(name: str, argv: list[str], env: dict[str, str]) -> ToolsCost:
    with StdioServer(argv, env) as server:
        server.initialize()
        return tools_cost(name, list_tools(server))


# --- registry-mcp ------------------------------------------------------------------------------------


def _environment(workdir: Path) -> dict[str, str]:
    # No API key: the embedded registry, in a file of the run's own.
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
        "PYTHONPATH": str(HERE.parent),
        "REGISTRY_MCP_DB": str(workdir / "context.db"),
    }


def registry_argv(*options: str) -> list[str]:
    return [sys.executable, "-m", "registry_mcp", *options]


def measure_ours(workdir: Path) -> list[ToolsCost]:
    env = _environment(workdir)
    return [
        measure_server("registry-mcp (default)", registry_argv(), env),
        measure_server("registry-mcp `--read-only`", registry_argv("--read-only"), env),
    ]


@dataclass(frozen=True)
class ResultSize:
    """One typical tool result: its text block(s), its structured content, and the whole result."""

    call: str
    text: int
    structured: int
    whole: int

    def row(self) -> list[str]:
        before = BEFORE_RESULTS.get(self.call)
        was = " / ".join(f"{size:,}" for size in before) if before else ""
        return [self.call, f"{self.text:,}", f"{self.structured:,}", f"{self.whole:,}", was]


def result_size(call: str, result: dict[str, Any]) -> ResultSize:
    text = sum(len(block.get("text", "")) for block in result.get("content", []))
    return ResultSize(call, text, len(compact(result.get("structuredContent"))), len(compact(result)))


def typical_server(saved_name: str) -> dict[str, Any]:
    """A local server as people register one (the add-server request the API documents)."""
    return {
        "saved_name": saved_name,
        "server_version": "v1",
        "server_name": "@modelcontextprotocol/server-filesystem",
        "description": "Filesystem access for MCP",
        "source_url": "https://github.com/modelcontextprotocol/servers",
        "source_version": "v0.6.2",
        "mcp_config": {
            "config": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
            "tools": {},
            "denied_tools": [],
            "enable_server_info_validation": True,
            "tool_guardrails_config": {"enabled": False, "guardrail_name": "", "block": []},
        },
    }


def troubled_server() -> dict[str, Any]:
    """A remote server with eleven things to warn about."""
    guardrail = {"enabled": True, "guardrail_name": "", "block": ["injection_attack"]}
    return {
        "saved_name": "troubled",
        "server_name": "example-remote",
        "mcp_config": {
            "config": {
                "url": "http://mcp.example.com/mcp",
                "headers": {"Authorization": "Bearer abc123", "X-Api-Key": "k-123456"},
            },
            "oauth_config": {"enabled": True, "is_remote": True},
            "tools": {"read_file": {}, "write_file": {}},
            "denied_tools": [" write_file", "wirte_*"],
            "tool_guardrails_config": guardrail,
            "input_guardrails_config": guardrail,
            "output_guardrails_config": guardrail,
        },
    }


def measure_results(workdir: Path) -> list[ResultSize]:
    """The typical add, get, list (a page of 20) and validate (a dry-run add with 11 warnings)."""
    with StdioServer(registry_argv(), _environment(workdir)) as server:
        server.initialize()
        added = server.call_tool("add_registry_server", typical_server("files"))
        read = server.call_tool("get_registry_server", {"saved_name": "files"})
        sizes = [result_size("add (one local server)", added), result_size("get (that server)", read)]
        more = [typical_server(f"files-{index:02}") for index in range(19)]
        server.call_tool("bulk_add_registry_servers", {"servers": more})
        listed = server.call_tool("list_registry_servers", {"per_page": 20})
        sizes.append(result_size("list (a page of 20)", listed))
        checked = server.call_tool("add_registry_server", {**troubled_server(), "dry_run": True})
        sizes.append(result_size("validate (dry-run add, 11 warnings)", checked))
    return sizes


# --- the peers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Peer:
    name: str
    registry: str  # "npm" or "PyPI"
    package: str
    executable: str
    args: tuple[str, ...] = ()


PEERS = (
    Peer("server-filesystem", "npm", "@modelcontextprotocol/server-filesystem", "mcp-server-filesystem", ("{dir}",)),
    Peer("server-memory", "npm", "@modelcontextprotocol/server-memory", "mcp-server-memory"),
    Peer("server-everything", "npm", "@modelcontextprotocol/server-everything", "mcp-server-everything"),
    Peer("mcp-server-git", "PyPI", "mcp-server-git", "mcp-server-git"),
    Peer("mcp-server-fetch", "PyPI", "mcp-server-fetch", "mcp-server-fetch"),
)


def default_cache() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("registry-mcp", appauthor=False) / "benchmark-peers"


def install_peers(cache: Path) -> dict[str, Path | str]:
    """Each peer's executable, installing what is missing into `cache`; or why it is unavailable."""
    found: dict[str, Path | str] = {}
    for registry, install, bin_dir in (
        ("npm", _npm_install, cache / "npm" / "node_modules" / ".bin"),
        ("PyPI", _pip_install, cache / "pypi" / "bin"),
    ):
        peers = [peer for peer in PEERS if peer.registry == registry]
        if not all((bin_dir / peer.executable).exists() for peer in peers):
            failure = install(cache, [peer.package for peer in peers])
            if failure:
                found.update({peer.name: failure for peer in peers if not (bin_dir / peer.executable).exists()})
        for peer in peers:
            found.setdefault(peer.name, bin_dir / peer.executable)
    return found


def _npm_install(cache: Path, packages: list[str]) -> str | None:
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    return _run([npm, "install", "--prefix", str(cache / "npm"), "--no-audit", "--no-fund", *packages])


def _pip_install(cache: Path, packages: list[str]) -> str | None:
    venv = cache / "pypi"
    if not (venv / "bin" / "python").exists():
        failure = _run([sys.executable, "-m", "venv", str(venv)])
        if failure:
            return failure
    return _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *packages])


def _run(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as failure:
        return f"{Path(argv[0]).name} failed: {failure}"
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:] or ["no output"]
        return f"{Path(argv[0]).name} {argv[1]} failed: {last[0][:200]}"
    return None


def measure_peers(cache: Path, workdir: Path) -> tuple[list[ToolsCost], list[str]]:
    costs, notes = [], []
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(workdir), "MEMORY_FILE_PATH": str(workdir / "memory.json")}
    installed = install_peers(cache)
    for peer in PEERS:
        where = installed[peer.name]
        label = f"{peer.name} ({peer.registry})"
        if isinstance(where, str):
            notes.append(f"{label} skipped: {where}.")
            continue
        argv = [str(where), *(arg.format(dir=workdir) for arg in peer.args)]
        try:
            costs.append(measure_server(label, argv, env))
        except (OSError, RuntimeError, ValueError) as failure:
            notes.append(f"{label} skipped: it did not answer tools/list ({failure}).")
    return costs, notes


# --- the report --------------------------------------------------------------------------------------


@dataclass
class ContextFigures:
    ours: list[ToolsCost]
    results: list[ResultSize]
    peers: list[ToolsCost] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def default(self) -> ToolsCost:
        return self.ours[0]

    def targets(self) -> list[tuple[str, int, int]]:
        """(what, measured, limit) for every target, over all of registry-mcp's tools."""
        return [
            ("model-facing tools/list (chars)", self.default.model_facing, MODEL_FACING_TARGET),
            ("model-facing per tool (chars)", self.default.per_tool, PER_TOOL_TARGET),
            ("whole tools/list (chars)", self.default.whole, WHOLE_TARGET),
        ]


def measure(*, peers: bool = False, cache: Path | None = None) -> ContextFigures:
    # A directory of tempfile's default name, as for the figures before: results name the registry's file.
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        figures = ContextFigures(ours=measure_ours(workdir), results=measure_results(workdir))
        if peers:
            figures.peers, figures.notes = measure_peers(cache or default_cache(), workdir)
        else:
            figures.notes.append("Peers not measured in this run (`--peers` measures them).")
    return figures


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def section(figures: ContextFigures) -> str:
    """The figures as a section of benchmarks/RESULTS.md."""
    targets = _table(
        ["target", "measured", "limit", "result"],
        [
            [what, f"{measured:,}", f"{limit:,}", "PASS" if measured <= limit else "FAIL"]
            for what, measured, limit in figures.targets()
        ],
    )
    servers = _table(
        ["server", "tools", "model-facing chars", "per tool", "whole tools/list", "before: model-facing / whole"],
        [cost.row() for cost in [*figures.ours, *figures.peers]],
    )
    results = _table(
        ["result", "text block", "structuredContent", "whole result", "before: text / structured / whole"],
        [size.row() for size in figures.results],
    )
    notes = "".join(f"- {note}\n" for note in figures.notes) + ("\n" if figures.notes else "")
    return f"""{SECTION_HEADING}

`python -m benchmarks.context --peers`: compact JSON characters of `tools/list` as a raw stdio client
receives it (model-facing: each tool's name, description and inputSchema; whole: everything,
output schemas and annotations included), for registry-mcp and the peers in the same run.

{targets}

{servers}

{notes}Typical results (characters of compact JSON; a client shows the model the text block or the
structured content):

{results}
"""


def replace_section(document: str, new_section: str) -> str:
    """`document` with its context-cost section replaced by `new_section` (or it added before the
    Analysis, or at the end)."""
    if SECTION_HEADING in document:
        start = document.index(SECTION_HEADING)
        following = document.find("\n## ", start + len(SECTION_HEADING))
        end = len(document) if following < 0 else following + 1
        return document[:start] + new_section + ("\n" if following >= 0 else "") + document[end:]
    analysis = document.find("\n## Analysis")
    if analysis < 0:
        return document.rstrip("\n") + "\n\n" + new_section
    return document[: analysis + 1] + new_section + "\n" + document[analysis + 1 :]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.context", description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", action="store_true", help="measure the peer servers too (installs them once)")
    parser.add_argument("--cache", type=Path, help="where the peers are installed (default: the user's cache)")
    parser.add_argument("--write", action="store_true", help="record the figures in benchmarks/RESULTS.md")
    options = parser.parse_args(argv)
    text = section(measure(peers=options.peers, cache=options.cache))
    print(text)
    if options.write:
        RESULTS.write_text(replace_section(RESULTS.read_text() if RESULTS.exists() else "", text))
        print(f"Written to {RESULTS}.")


if __name__ == "__main__":
    main()
