"""An MCP server that speaks only the 2026-07-28 revision: `server/discover`, no `initialize` handshake
(standard library only, so nothing of the SDK under test answers for it).

    python tests/servers/modern_server.py              # stdio
    python tests/servers/modern_server.py --http PORT  # Streamable HTTP at http://127.0.0.1:PORT/mcp
    python tests/servers/modern_server.py --speaks 2031-01-01  # a revision the inspector does not know

It names itself in the discover result's `_meta` (`io.modelcontextprotocol/serverInfo`), answers
`initialize` with -32022 (unsupported protocol version, naming the one it speaks), and refuses a
request without the `_meta` envelope of its revision (-32022 again for another revision's).
With `--speaks VERSION` it speaks that revision instead.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

VERSION = sys.argv[sys.argv.index("--speaks") + 1] if "--speaks" in sys.argv else "2026-07-28"
TOOLS = [
    {"name": "fetch_page", "description": "Fetch a web page.", "inputSchema": {"type": "object"}},
    {"name": "summarize", "description": "Summarize a text.", "inputSchema": {"type": "object"}},
]
CACHE = {"resultType": "complete", "ttlMs": 0, "cacheScope": "public"}


def answer(message: dict[str, Any]) -> dict[str, Any] | None:
    """The answer to one JSON-RPC message (None for a notification)."""
    if "id" not in message:
        return None
    method, params = message.get("method"), message.get("params") or {}
    if method == "initialize":
        data = {"supported": [VERSION], "requested": params.get("protocolVersion")}
        return _error(message, -32022, "Unsupported protocol version", data)
    requested = (params.get("_meta") or {}).get("io.modelcontextprotocol/protocolVersion")
    if requested is None:
        return _error(message, -32600, "every request carries the _meta envelope")
    if requested != VERSION:
        return _error(message, -32022, "Unsupported protocol version", {"supported": [VERSION], "requested": requested})
    if method == "server/discover":
        result: dict[str, Any] = {
            "supportedVersions": [VERSION],
            "capabilities": {"tools": {}},
            "instructions": "Pages, fetched and summarized.",
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "modern-test-server", "version": "2.0.0"}},
            **CACHE,
        }
        return {"jsonrpc": "2.0", "id": message["id"], "result": result}
    if method == "tools/list":
        return {"jsonrpc": "2.0", "id": message["id"], "result": {"tools": TOOLS, **CACHE}}
    return _error(message, -32601, f"Method not found: {method}")


def _error(message: dict[str, Any], code: int, text: str, data: Any = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": text}
    if data is not None:
        error["data"] = data
    return {"jsonrpc": "2.0", "id": message["id"], "error": error}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        answered = answer(json.loads(body))
        if answered is None:
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = json.dumps(answered).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self.send_response(405)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_DELETE = do_GET

    def log_message(self, format: str, *args: object) -> None:
        return None


def serve_stdio() -> None:
    for line in sys.stdin:
        if line.strip():
            answered = answer(json.loads(line))
            if answered is not None:
                sys.stdout.write(json.dumps(answered) + "\n")
                sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--http"]:
        ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), Handler).serve_forever()
    else:
        serve_stdio()
