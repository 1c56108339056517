"""`GET /v0.1/servers` over a registry of 10,000 entries, a page of 100 at a time: latency (p50, p99)
and peak memory of `registry-mcp --transport http`, against a bare Starlette route serving the same
JSON (the pages built once, answered from a dict: the floor of any Python server).

    python -m benchmarks.catalog                     # 10,000 entries, 5 walks through every page
    python -m benchmarks.catalog --entries 500 --walks 1

Both servers run as their own processes on this machine, reached over loopback by one client, one
request at a time; peak memory is each process's high-water resident set (VmHWM). registry-mcp reads
the catalog from its registry once and keeps it `CATALOG_SECONDS`; the first request pays that read
(shown as "first request"), and the read itself is timed in-process ("catalog read").
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

from registry_mcp import RegistryClient
from registry_mcp.mcp.registry_api import read_catalog
from registry_mcp.registry.models import MAX_BULK_SERVERS

PAGE = 100
NAMESPACE = "com.example.bench"


def entry(index: int) -> dict[str, Any]:
    """One of four kinds in turn: npm, PyPI, OCI, remote, each with a variable or a header."""
    kind = index % 4
    name = f"server-{index:05}"
    if kind == 0:
        config: dict[str, Any] = {"command": "npx", "args": ["-y", f"@bench/{name}@1.{index}.0", "/data"]}
        config["env"] = {"API_TOKEN": f"token-{index:08}"}
    elif kind == 1:
        config = {"command": "uvx", "args": [f"{name}==0.{index}.0", "--mode", "fast"], "env": {"LOG_LEVEL": "info"}}
    elif kind == 2:
        config = {"command": "docker", "args": ["run", "-i", "--rm", "-e", "KEY", f"ghcr.io/bench/{name}:1.0"]}
        config["env"] = {"KEY": f"key-{index:08}"}
    else:
        config = {"url": f"https://{name}.example.com/mcp", "headers": {"Authorization": f"Bearer b-{index:010}"}}
    return {"saved_name": name, "description": f"Benchmark server {index}.", "mcp_config": {"config": config}}


async def fill(database: Path, count: int) -> None:
    async with RegistryClient.embedded(database) as registry:
        for start in range(0, count, MAX_BULK_SERVERS):
            await registry.bulk_add_servers([entry(i) for i in range(start, min(count, start + MAX_BULK_SERVERS))])


async def time_catalog_read(database: Path, repeats: int) -> list[float]:
    times = []
    async with RegistryClient.embedded(database) as registry:
        for _ in range(repeats):
            started = time.perf_counter()
            await read_catalog(registry, NAMESPACE)
            times.append(time.perf_counter() - started)
    return times


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until_served(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read() if process.stderr else b''!r}")
        try:
            httpx2.get(url, timeout=1)
            return
        except httpx2.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within 60 s")


def peak_memory_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def walk(base: str, walks: int) -> tuple[list[float], list[dict[str, Any]]]:
    """Every page, `walks` times over, following nextCursor: each request's time, and the first walk's pages."""
    times: list[float] = []
    pages: list[dict[str, Any]] = []
    with httpx2.Client(base_url=base, timeout=120) as client:
        for round_ in range(walks):
            cursor: str | None = None
            while True:
                params: dict[str, Any] = {"limit": PAGE} | ({"cursor": cursor} if cursor else {})
                started = time.perf_counter()
                answer = client.get("/v0.1/servers", params=params)
                times.append(time.perf_counter() - started)
                answer.raise_for_status()
                page = answer.json()
                if round_ == 0:
                    pages.append(page)
                cursor = page["metadata"].get("nextCursor")
                if not cursor:
                    break
    return times, pages


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def serve_bare(pages_file: str, port: int) -> None:
    """The floor: one Starlette route answering each page of the same JSON from a dict."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    pages: list[dict[str, Any]] = json.loads(Path(pages_file).read_text())
    by_cursor = {"": pages[0]} | {
        page["metadata"]["nextCursor"]: following for page, following in itertools.pairwise(pages)
    }

    async def servers(request: Request) -> JSONResponse:
        return JSONResponse(by_cursor[request.query_params.get("cursor", "")])

    uvicorn.run(Starlette(routes=[Route("/v0.1/servers", servers)]), host="127.0.0.1", port=port, log_level="error")


def measure(
    argv: list[str], base: str, walks: int, env: dict[str, str]
) -> tuple[list[float], list[dict[str, Any]], float]:
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_served(f"{base}/v0.1/ready", process)  # a 404 that reads no catalog
        times, pages = walk(base, walks)
        return times, pages, peak_memory_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


def main(arguments: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.catalog", description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--walks", type=int, default=5, help="walks through every page (after a first, cold one)")
    parser.add_argument("--bare", nargs=2, metavar=("PAGES_FILE", "PORT"), help=argparse.SUPPRESS)
    options = parser.parse_args(arguments)
    if options.bare:
        serve_bare(options.bare[0], int(options.bare[1]))
        return
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "registry.db"
        started = time.perf_counter()
        asyncio.run(fill(database, options.entries))
        print(f"{options.entries} entries written in {time.perf_counter() - started:.1f} s")
        reads = asyncio.run(time_catalog_read(database, 3))
        env = {"PATH": os.environ.get("PATH", ""), "HOME": folder, "REGISTRY_MCP_DB": str(database)}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        ours = [sys.executable, "-m", "registry_mcp", "--transport", "http", "--auth", "none", "--port", str(port)]
        ours += ["--catalog-namespace", NAMESPACE]
        first, pages, _ = measure(ours, base, 1, env)  # a cold start: the first request reads the catalog
        times, _, our_memory = measure(ours, base, 1 + options.walks, env)
        warm = times[len(pages) :]  # after the first walk
        pages_file = Path(folder) / "pages.json"
        pages_file.write_text(json.dumps(pages))
        port = free_port()
        bare_base = f"http://127.0.0.1:{port}"
        bare_argv = [sys.executable, "-m", "benchmarks.catalog", "--bare", str(pages_file), str(port)]
        bare_times, bare_pages, bare_memory = measure(bare_argv, bare_base, 1 + options.walks, env)
        assert bare_pages == pages, "the bare route must serve the same JSON"
        bare_warm = bare_times[len(pages) :]
    ours_p50, ours_p99 = percentile(warm, 0.5), percentile(warm, 0.99)
    bare_p50, bare_p99 = percentile(bare_warm, 0.5), percentile(bare_warm, 0.99)
    rows = [
        ("page of 100, p50 (ms)", ours_p50 * 1000, bare_p50 * 1000),
        ("page of 100, p99 (ms)", ours_p99 * 1000, bare_p99 * 1000),
        ("peak memory (MiB)", our_memory, bare_memory),
    ]
    print(f"{len(pages)} pages of {PAGE}; {len(warm)} timed requests each after a first walk")
    print(f"first request of a fresh server (reads the catalog): {first[0] * 1000:.0f} ms")
    print(f"catalog read of {options.entries} entries, in-process: median {statistics.median(reads) * 1000:.0f} ms")
    print("| figure | registry-mcp | bare Starlette | ratio |")
    print("|---|---|---|---|")
    for name, mine, floor in rows:
        print(f"| {name} | {mine:.2f} | {floor:.2f} | {mine / floor:.2f} |")


if __name__ == "__main__":
    main()
