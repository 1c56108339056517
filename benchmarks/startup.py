"""registry-mcp's start-up against a bare `MCPServer` with one tool (benchmarks/bare_server.py), paired
in one run: each round measures both, in alternating order, so drift on a shared machine hits both.

- import CPU: the CPU time (user + system) of a process that imports the server's modules and exits
  (`registry_mcp.cli` and `registry_mcp.mcp.server`, what `registry-mcp` imports before it serves;
  `benchmarks.bare_server` for the bare SDK);
- start to `tools/list`: the wall time from spawning the server over stdio to the answer of its first
  `tools/list`, by the 2025-11-25 handshake (`initialize`, `notifications/initialized`) and by the
  2026-07-28 path (`server/discover`, then `tools/list`, each request carrying its `_meta`).

The targets are ratios to the bare SDK's medians: import CPU <= 1.05x, start to tools/list <= 1.10x.

    python -m benchmarks.startup              # 15 rounds; rewrites the start-up section of RESULTS.md
    python -m benchmarks.startup --runs 3     # a quick look
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .stdio import CLIENT_INFO, StdioServer

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"
HEADING = "## Start-up against the bare SDK"
MODERN = "2026-07-28"
SERVERS = ("registry-mcp", "bare SDK")
IMPORTS = {
    "registry-mcp": "import registry_mcp.cli, registry_mcp.mcp.server",
    "bare SDK": "import benchmarks.bare_server",
}
COMMANDS = {
    "registry-mcp": [sys.executable, "-m", "registry_mcp"],
    "bare SDK": [sys.executable, "-m", "benchmarks.bare_server"],
}
IMPORT_CPU = "import CPU"
HANDSHAKE = "start to tools/list, handshake (2025-11-25)"
DISCOVER = "start to tools/list, server/discover (2026-07-28)"
LIMITS = {IMPORT_CPU: 1.05, HANDSHAKE: 1.10, DISCOVER: 1.10}


@dataclass
class StartUp:
    runs: int
    load: list[float] = field(default_factory=list)  # the 1-minute load average, before and after
    samples: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (figure, server) -> seconds

    def add(self, figure: str, server: str, seconds: float) -> None:
        self.samples.setdefault((figure, server), []).append(seconds)

    def median(self, figure: str, server: str) -> float:
        return statistics.median(self.samples[(figure, server)])

    def ratio(self, figure: str) -> float:
        return self.median(figure, "registry-mcp") / self.median(figure, "bare SDK")


def environment(database: Path) -> dict[str, str]:
    # Only what the servers need: no API key, so registry-mcp runs on the embedded registry.
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(database.parent),
        "PYTHONPATH": str(HERE.parent),
        "REGISTRY_MCP_DB": str(database),
    }


def import_cpu(server: str, env: dict[str, str]) -> float:
    """CPU seconds (user + system) of a process that imports `server`'s modules, then exits."""
    process = subprocess.Popen([sys.executable, "-c", IMPORTS[server]], env=env)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"importing {server} failed (exit code {process.returncode})")
    return usage.ru_utime + usage.ru_stime


def to_tools_list(server: str, env: dict[str, str], *, discover: bool) -> float:
    """Seconds from spawning `server` over stdio to the answer of its first tools/list."""
    with StdioServer(COMMANDS[server], env) as running:
        if discover:
            meta = {
                "io.modelcontextprotocol/protocolVersion": MODERN,
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": CLIENT_INFO,
            }
            running.checked(running.request("server/discover", {"_meta": meta}))
            listed = running.checked(running.request("tools/list", {"_meta": meta}))
        else:
            running.initialize()
            listed = running.checked(running.request("tools/list"))
        took = time.perf_counter() - running.started
    if not listed.get("tools"):
        raise RuntimeError(f"{server} listed no tools")
    return took


def measure(runs: int, workdir: Path) -> StartUp:
    startup = StartUp(runs, load=[os.getloadavg()[0]])
    for run in range(runs):
        order = SERVERS if run % 2 == 0 else SERVERS[::-1]  # A B, then B A
        for server in order:
            env = environment(workdir / f"startup-{run}-{server.split()[0]}.db")
            startup.add(IMPORT_CPU, server, import_cpu(server, env))
            startup.add(HANDSHAKE, server, to_tools_list(server, env, discover=False))
            startup.add(DISCOVER, server, to_tools_list(server, env, discover=True))
    startup.load.append(os.getloadavg()[0])
    return startup


def section(startup: StartUp, command: str) -> str:
    """The report's start-up section: the targets met or not, then the figures."""
    targets = [
        f"| {figure} | {startup.ratio(figure):.3f} | {limit:.2f} | "
        f"{'PASS' if startup.ratio(figure) <= limit else 'FAIL'} |"
        for figure, limit in LIMITS.items()
    ]
    figures = [
        f"| {figure}: {server} | {statistics.median(values) * 1000:.1f} ms | {min(values) * 1000:.1f} ms | "
        f"{max(values) * 1000:.1f} ms | {len(values)} |"
        for (figure, server), values in sorted(startup.samples.items())
    ]
    return "\n".join(
        [
            HEADING,
            "",
            f"`{command}`: {startup.runs} paired rounds (registry-mcp and a bare `MCPServer` with one tool, "
            "in alternating order). Ratios of medians, registry-mcp / bare SDK. Import CPU is user + system "
            "time of a process importing the server's modules; start to tools/list is wall time from spawn "
            "over stdio (embedded registry, a new file each round). "
            f"Load average on {os.cpu_count()} CPUs: {' then '.join(f'{load:.1f}' for load in startup.load)}.",
            "",
            "| ratio to the bare SDK | measured | limit | result |",
            "|---|---|---|---|",
            *targets,
            "",
            "| figure | median | min | max | runs |",
            "|---|---|---|---|---|",
            *figures,
            "",
        ]
    )


def replace_section(report: str, new: str) -> str:
    """`report` with its start-up section replaced by `new` (or `new` added at the end)."""
    if HEADING not in report:
        return report.rstrip("\n") + "\n\n" + new
    before, rest = report.split(HEADING, 1)
    after = rest[rest.index("\n## ") :] if "\n## " in rest else "\n"
    return before + new + after


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.startup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="paired rounds (default 15)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="the report whose section is rewritten")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="registry-mcp-startup-") as directory:
        startup = measure(options.runs, Path(directory))
    text = section(startup, f"python -m benchmarks.startup --runs {options.runs}")
    report = options.output.read_text() if options.output.exists() else "# Benchmark results\n"
    options.output.write_text(replace_section(report, text))
    print(text)
    print(f"Written to {options.output}.")


if __name__ == "__main__":
    main()
