"""registry-mcp inspecting a hostile MCP server: how long the bounded answer takes, and the memory
registry-mcp needs on the way (the server is tests/servers/hostile_server.py; `python -m benchmarks`
measures it, section 5)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from .stdio import StdioServer

HOSTILE_SERVER = Path(__file__).parent.parent / "tests" / "servers" / "hostile_server.py"
TIME_LIMIT = 10.0  # seconds
MEMORY_LIMIT = 200 * 1024  # KiB of peak resident memory

# Each: what it is, and the hostile server's arguments.
SHAPES = [
    ("100,000 tools, 2 KB descriptions, 2,000 a page, garbage between messages", ["flood"]),
    ("100,000 tools in one page (one 210 MB message)", ["flood", "--per-page", "100000"]),
    ("100,000 tools, 10 a page", ["flood", "--per-page", "10", "--description", "2048"]),
    ("a reply that never ends its line", ["endless-line"]),
]


def inspect_hostile(arguments: list[str], environment: dict[str, str]) -> tuple[float, int, str]:
    """Seconds for the inspect call, registry-mcp's peak memory (KiB), and the result's message."""
    env = {**environment, "REGISTRY_MCP_ALLOW_LAUNCH": "1"}
    with StdioServer([sys.executable, "-m", "registry_mcp"], env) as server:
        server.initialize()
        config = {"command": sys.executable, "args": [str(HOSTILE_SERVER), *arguments]}
        started = time.perf_counter()
        answer = server.request("tools/call", {"name": "inspect_mcp_server", "arguments": {"config": config}})
        seconds = time.perf_counter() - started
        peak = server.memory_kib("VmHWM")
    result = answer.get("result") or {}
    text = " ".join(block.get("text", "") for block in result.get("content", []))
    return seconds, peak, text.split("\n", 1)[0][:300]
