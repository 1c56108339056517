"""A small MCP server for the inspection tests: three file tools, stdio by default or Streamable HTTP.

    python tests/servers/files_server.py               # stdio
    python tests/servers/files_server.py --http PORT   # Streamable HTTP at http://127.0.0.1:PORT/mcp
    python tests/servers/files_server.py --sse PORT    # SSE at http://127.0.0.1:PORT/sse

With STARTED_MARKER set, it creates that file when it starts (so a test can tell it was launched); with
ENV_DUMP set, it writes its environment to that file as JSON.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from mcp.server import MCPServer
from mcp_types import ToolAnnotations

server = MCPServer("files-test-server", version="1.2.3", instructions="Files for tests.")


@server.tool(annotations=ToolAnnotations(read_only_hint=True))
async def read_file(path: str) -> str:
    """Read a file."""
    return path


@server.tool()
async def write_file(path: str, text: str) -> str:
    """Write a file."""
    return path


@server.tool(annotations=ToolAnnotations(destructive_hint=True))
async def delete_file(path: str) -> str:
    """Delete a file."""
    return path


if __name__ == "__main__":
    if marker := os.environ.get("STARTED_MARKER"):
        Path(marker).write_text(str(os.getpid()))
    if dump := os.environ.get("ENV_DUMP"):
        Path(dump).write_text(json.dumps(dict(os.environ)))
    if sys.argv[1:2] == ["--http"]:
        server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[2]))
    elif sys.argv[1:2] == ["--sse"]:
        server.run("sse", host="127.0.0.1", port=int(sys.argv[2]))
    else:
        server.run()
