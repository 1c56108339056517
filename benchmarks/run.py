"""registry-mcp against the bare MCP SDK: start-up, per-call cost, scale and concurrency; importing
a large ~/.claude.json (100 MB: time, peak memory, pings answered meanwhile); and the time and memory
registry-mcp takes to inspect a hostile MCP server.

    python -m benchmarks            # the full run (a few minutes); writes benchmarks/RESULTS.md
    python -m benchmarks --quick    # a few seconds, for a smoke test; figures mean little
    python -m benchmarks --peers    # with the context cost of peer MCP servers (installed once, cached)

Every figure is the median of repeated runs, shown with its min and max. The targets compare
registry-mcp with the bare SDK measured in the same run, as ratios: these machines are shared and
noisy, so the absolute times beside them are context, not targets. The hostile inspection's targets
are absolute (under 10 s, under 200 MiB): they are bounds, not comparisons. The context cost (what the tool
definitions and typical results cost a model, in characters) is `benchmarks.context`'s section.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import anyio

from registry_mcp import RegistryClient
from registry_mcp.importing import plan_import

from . import context, startup
from .claude_json import write_claude_json
from .hostile import MEMORY_LIMIT, SHAPES, TIME_LIMIT, inspect_hostile
from .stdio import StdioServer

HERE = Path(__file__).parent
RESULTS = HERE / "RESULTS.md"
ANALYSIS_HEADING = "## Analysis"


@dataclass(frozen=True)
class Plan:
    startup_runs: int
    calls: int
    servers: int
    concurrent: int
    concurrency_rounds: int
    claude_json_megabytes: int
    colliding_names: int = 12_000
    hostile_shapes: int = len(SHAPES)  # the first so many of SHAPES


FULL = Plan(startup_runs=10, calls=500, servers=10_000, concurrent=50, concurrency_rounds=7, claude_json_megabytes=100)
# Every step once, as small as it goes: the test suite's smoke test of the benchmark runs this.
QUICK = Plan(
    startup_runs=1,
    calls=5,
    servers=200,
    concurrent=10,
    concurrency_rounds=1,
    claude_json_megabytes=1,
    colliding_names=1_000,
    hostile_shapes=1,
)


@dataclass
class Figure:
    name: str
    values: list[float]
    unit: str  # "ms" (values in seconds) or "MiB" (values in KiB)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def p99(self) -> float:
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]

    def show(self, value: float) -> str:
        return f"{value * 1000:.3f} ms" if self.unit == "ms" else f"{value / 1024:.1f} MiB"

    def row(self) -> list[str]:
        p99 = self.show(self.p99) if len(self.values) >= 100 else ""
        spread = [self.show(min(self.values)), self.show(max(self.values))]
        return [self.name, self.show(self.median), *spread, p99, str(len(self.values))]


@dataclass
class Target:
    name: str
    measured: float
    limit: float
    how: str  # how the limit is made

    @property
    def passed(self) -> bool:
        return self.measured <= self.limit

    def row(self) -> list[str]:
        return [self.name, f"{self.measured:.3f}", f"{self.limit:.3f}", self.how, "PASS" if self.passed else "FAIL"]


@dataclass
class Results:
    figures: dict[str, Figure] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)  # whole sections of the report, such as the context cost

    def add(self, name: str, values: list[float], unit: str = "ms") -> Figure:
        self.figures[name] = Figure(name, values, unit)
        return self.figures[name]


# --- the servers ------------------------------------------------------------------------------------


def _environment(database: Path) -> dict[str, str]:
    # Only what the servers need: no API key, so registry-mcp runs on the embedded registry.
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(database.parent),
        "PYTHONPATH": str(HERE.parent),
        "REGISTRY_MCP_DB": str(database),
    }


def registry_mcp(database: Path) -> StdioServer:
    return StdioServer([sys.executable, "-m", "registry_mcp"], _environment(database))


def bare_sdk(database: Path) -> StdioServer:
    return StdioServer([sys.executable, "-m", "benchmarks.bare_server"], _environment(database))


def _payload(saved_name: str) -> dict[str, Any]:
    return {
        "saved_name": saved_name,
        "server_name": "@modelcontextprotocol/server-filesystem",
        "description": "Read and write files under one directory.",
        "mcp_config": {"config": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]}},
    }


def _timed(action: Callable[[], object], times: int) -> list[float]:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return samples


# --- 1. start-up ------------------------------------------------------------------------------------


def measure_startup(plan: Plan, workdir: Path, results: Results) -> None:
    """Import CPU and start to tools/list (handshake and server/discover), paired with the bare SDK
    (`benchmarks.startup`); then each server's memory after the handshake."""
    paired = startup.measure(plan.startup_runs, workdir)
    for (figure, server), values in sorted(paired.samples.items()):
        results.add(f"{figure}: {server}", values)
    for figure, limit in startup.LIMITS.items():
        results.targets.append(Target(f"start-up ratio, {figure}", paired.ratio(figure), limit, "× bare SDK"))
    for label, spawn in (("registry-mcp", registry_mcp), ("bare SDK", bare_sdk)):
        memory: list[float] = []
        for run in range(plan.startup_runs):
            with spawn(workdir / f"memory-{run}.db") as running:
                running.initialize()
                running.checked(running.request("tools/list"))
                memory.append(running.memory_kib())
        results.add(f"memory after handshake: {label}", memory, unit="MiB")


# --- 2. per call ------------------------------------------------------------------------------------


def measure_calls(plan: Plan, workdir: Path, results: Results) -> None:
    with registry_mcp(workdir / "calls.db") as server:
        server.initialize()
        server.call_tool("add_registry_server", _payload("warm"))
        for _ in range(20):
            server.call_tool("get_registry_server", {"saved_name": "warm"})
        names = iter(f"call-{index:05}" for index in range(plan.calls))
        add = results.add(
            "call over stdio: add_registry_server",
            _timed(lambda: server.call_tool("add_registry_server", _payload(next(names))), plan.calls),
        )
        get = results.add(
            "call over stdio: get_registry_server",
            _timed(lambda: server.call_tool("get_registry_server", {"saved_name": "warm"}), plan.calls),
        )
    with bare_sdk(workdir / "bare.db") as server:
        server.initialize()
        for _ in range(20):
            server.call_tool("echo", {"text": "hello"})
        trivial = results.add(
            "call over stdio: bare SDK trivial tool",
            _timed(lambda: server.call_tool("echo", {"text": "hello"}), plan.calls),
        )
    direct_add, direct_get = anyio.run(_direct_calls, plan, workdir / "direct.db")
    direct = {"add": results.add("direct client: add_server", direct_add)}
    direct["get"] = results.add("direct client: get_server", direct_get)
    for name, over_stdio in (("add", add), ("get", get)):
        limit = trivial.median + direct[name].median + 0.0005
        results.targets.append(
            Target(f"{name} call median (ms)", over_stdio.median * 1000, limit * 1000, "bare call + direct call + 0.5")
        )


async def _direct_calls(plan: Plan, database: Path) -> tuple[list[float], list[float]]:
    async with RegistryClient.embedded(database) as registry:
        await registry.add_server(_payload("warm"))
        for _ in range(20):
            await registry.get_server("warm")
        adds, gets = [], []
        for index in range(plan.calls):
            started = time.perf_counter()
            await registry.add_server(_payload(f"direct-{index:05}"))
            adds.append(time.perf_counter() - started)
        for _ in range(plan.calls):
            started = time.perf_counter()
            await registry.get_server("warm")
            gets.append(time.perf_counter() - started)
    return adds, gets


# --- 3. scale ---------------------------------------------------------------------------------------

PER_CALL = 100
EDGE_PAGES = 5  # pages timed at each end of the listing (fewer on a short one)


def measure_scale(plan: Plan, workdir: Path, results: Results) -> None:
    database = workdir / "scale.db"
    with registry_mcp(database) as server:
        server.initialize()
        batches = [
            [_payload(f"s{batch:03}-{index:03}") for index in range(PER_CALL)]
            for batch in range(plan.servers // PER_CALL)
        ]
        started = time.perf_counter()
        for batch in batches:
            server.call_tool("bulk_add_registry_servers", {"servers": batch})
        bulk_seconds = time.perf_counter() - started
    results.add(f"bulk add of {plan.servers:,} servers, {PER_CALL} a call (total)", [bulk_seconds])

    # A fresh process on the filled file: its memory after start-up, then paging through all of it.
    with registry_mcp(database) as server:
        server.initialize()
        server.checked(server.request("tools/list"))
        after_startup = server.memory_kib()
        pages = plan.servers // PER_CALL
        page_times = []
        listing_started = time.perf_counter()
        for page in range(1, pages + 1):
            started = time.perf_counter()
            result = server.call_tool("list_registry_servers", {"page": page, "per_page": PER_CALL})
            page_times.append(time.perf_counter() - started)
            assert len(result["structuredContent"]["servers"]) == PER_CALL
        listing = time.perf_counter() - listing_started
        peak = server.memory_kib("VmHWM")
    edge = min(EDGE_PAGES, pages // 2)
    first = results.add(f"list page at offset 0-{(edge - 1) * PER_CALL}", page_times[:edge])
    last = results.add(
        f"list page at offset {(pages - edge) * PER_CALL:,}-{(pages - 1) * PER_CALL:,}", page_times[-edge:]
    )
    results.add(f"list all {plan.servers:,} servers, {PER_CALL} a page (total)", [listing])
    results.add("memory after start-up (filled registry)", [after_startup], unit="MiB")
    results.add(f"peak memory while listing {plan.servers:,}", [peak], unit="MiB")
    results.targets.append(Target("last page time / first page time", last.median / first.median, 1.5, "ratio"))
    results.targets.append(Target("peak memory listing / after start-up", peak / after_startup, 1.5, "ratio"))


# --- 4. concurrency ---------------------------------------------------------------------------------


def measure_concurrency(plan: Plan, workdir: Path, results: Results) -> None:
    get = ("tools/call", {"name": "get_registry_server", "arguments": {"saved_name": "warm"}})
    with registry_mcp(workdir / "concurrency.db") as server:
        server.initialize()
        server.call_tool("add_registry_server", _payload("warm"))
        ours = _one_by_one_and_at_once(server, get, plan)
    # The floor: the same on the bare SDK's trivial tool.
    echo = ("tools/call", {"name": "echo", "arguments": {"text": "hello"}})
    with bare_sdk(workdir / "concurrency-bare.db") as server:
        server.initialize()
        floor = _one_by_one_and_at_once(server, echo, plan)
    for label, (sequential, concurrent) in (("get", ours), ("bare SDK trivial", floor)):
        results.add(f"{plan.concurrent} {label} calls one after another", sequential)
        results.add(f"{plan.concurrent} {label} calls in flight at once", concurrent)
    ratio = statistics.median(ours[1]) / statistics.median(ours[0])
    results.targets.append(Target("in flight at once / one after another", ratio, 0.5, "ratio"))
    floor_ratio = statistics.median(floor[1]) / statistics.median(floor[0])
    results.notes.append(
        f"The bare SDK's own ratio of {plan.concurrent} calls at once to one after another: {floor_ratio:.3f}."
    )


def _one_by_one_and_at_once(
    server: StdioServer, request: tuple[str, dict[str, Any]], plan: Plan
) -> tuple[list[float], list[float]]:
    for _ in range(10):
        server.checked(server.request(*request))
    sequential, concurrent = [], []
    for _ in range(plan.concurrency_rounds):
        started = time.perf_counter()
        for _ in range(plan.concurrent):
            server.checked(server.request(*request))
        sequential.append(time.perf_counter() - started)
        started = time.perf_counter()
        for answer in server.pipeline([request] * plan.concurrent):
            server.checked(answer)
        concurrent.append(time.perf_counter() - started)
    return sequential, concurrent


# --- 5. import ---------------------------------------------------------------------------------------


def measure_import(plan: Plan, workdir: Path, results: Results) -> None:
    """A large ~/.claude.json imported over stdio (a dry run): its time, the process's peak memory, and
    how long pings sent one after another wait while it is read; then name cleaning in process."""
    path = workdir / ".claude.json"
    write_claude_json(path, plan.claude_json_megabytes)
    size = f"{path.stat().st_size / 1e6:.0f} MB"
    with registry_mcp(workdir / "import.db") as server:
        server.initialize()
        server.checked(server.request("tools/list"))
        after_startup = server.memory_kib()
        seen: dict[int, dict[str, Any]] = {}
        arguments = {"name": "import_client_config", "arguments": {"source": str(path)}, "_meta": {"progressToken": 1}}
        started = time.perf_counter()
        importing = server.send("tools/call", arguments)
        server.wait_for(None, seen)  # the progress notification: the import has begun reading
        pings = []
        while importing not in seen:
            sent = time.perf_counter()
            server.wait_for(server.send("ping"), seen)
            pings.append(time.perf_counter() - sent)
        server.wait_for(importing, seen)
        took = time.perf_counter() - started
        server.checked(seen[importing])
        peak = server.memory_kib("VmHWM")
    results.add(f"import of a {size} ~/.claude.json over stdio (dry run)", [took])
    results.add("memory after start-up (import run)", [after_startup], unit="MiB")
    results.add(f"peak memory importing {size}", [peak], unit="MiB")
    ping = results.add("ping answered while the import is read", pings)
    results.targets.append(Target("peak memory importing / after start-up", peak / after_startup, 1.5, "ratio"))
    results.targets.append(Target("slowest ping during the import (ms)", max(ping.values) * 1000, 100, "ms"))
    config = {"mcpServers": {"a" * 40 + str(index): {"command": "x"} for index in range(plan.colliding_names)}}
    results.add(
        f"plan of {plan.colliding_names:,} colliding names (in process)", _timed(lambda: plan_import(config), 3)
    )


# --- 6. inspecting a hostile server ---------------------------------------------------------------


def measure_hostile_inspection(plan: Plan, workdir: Path, results: Results) -> None:
    seconds, peaks = [], []
    for index, (label, arguments) in enumerate(SHAPES[: plan.hostile_shapes]):
        took, peak, message = inspect_hostile(arguments, _environment(workdir / f"hostile-{index}.db"))
        results.add(f"inspect a hostile server: {label}", [took])
        results.add(f"peak memory inspecting: {label}", [peak], unit="MiB")
        results.notes.append(f"Inspecting {label} answers: {message}")
        seconds.append(took)
        peaks.append(peak)
    results.targets.append(Target("hostile inspection, slowest (s)", max(seconds), TIME_LIMIT, "seconds"))
    results.targets.append(
        Target("hostile inspection, peak memory (MiB)", max(peaks) / 1024, MEMORY_LIMIT / 1024, "MiB")
    )


# --- 7. context cost --------------------------------------------------------------------------------


def measure_context(plan: Plan, workdir: Path, results: Results, *, peers: bool = False) -> None:
    results.sections.append(context.section(context.measure(peers=peers)))


# --- the report -------------------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def report(results: Results, plan: Plan, seconds: float) -> str:
    figures = _table(["figure", "median", "min", "max", "p99", "runs"], [f.row() for f in results.figures.values()])
    targets = _table(["target", "measured", "limit", "limit is", "result"], [t.row() for t in results.targets])
    mode = "quick" if plan == QUICK else "full"
    notes = "".join(f"- {note}\n" for note in results.notes)
    command = "python -m benchmarks" + (" --quick" if mode == "quick" else "")
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    return f"""# Benchmark results

`{command}` ({mode} run, {seconds:.0f} s), {when}.
Machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.system()} {platform.release()};
Python {platform.python_version()}; mcp {version("mcp")}, registry-mcp {version("registry-mcp")}.

## Targets

{targets}

{notes}
## Figures

Times are wall-clock; memory is the process's resident set (VmRSS; the peak is VmHWM).

{figures}
""" + "".join("\n" + section for section in results.sections)


@contextmanager
def _workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="registry-mcp-bench-") as directory:
        yield Path(directory)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds: a smoke test, not a measurement")
    parser.add_argument("--output", type=Path, help="where to write the report (default: benchmarks/RESULTS.md)")
    parser.add_argument("--peers", action="store_true", help="measure the peer servers' context cost too")
    options = parser.parse_args(argv)
    plan = QUICK if options.quick else FULL
    output: Path = options.output or RESULTS
    results = Results()
    started = time.perf_counter()
    with _workdir() as workdir:
        with_peers = functools.partial(measure_context, peers=options.peers)
        for name, step in (
            ("startup", measure_startup),
            ("calls", measure_calls),
            ("scale", measure_scale),
            ("concurrency", measure_concurrency),
            ("import", measure_import),
            ("hostile inspection", measure_hostile_inspection),
            ("context", with_peers),
        ):
            print(f"… {name}", file=sys.stderr, flush=True)
            step(plan, workdir, results)
    text = report(results, plan, time.perf_counter() - started)
    # Keep the hand-written analysis of an earlier report.
    if output.exists() and ANALYSIS_HEADING in (previous := output.read_text()):
        text += "\n" + previous[previous.index(ANALYSIS_HEADING) :]
    output.write_text(text)
    print(text.split(ANALYSIS_HEADING)[0])
    print(f"Written to {output}.")
