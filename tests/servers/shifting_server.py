"""A stdio MCP server that offers whatever a JSON file says, read at each start: for the pin and drift
tests and the benchmark (edit the file between two inspections and the server has "changed").

    python tests/servers/shifting_server.py offer.json

offer.json: {"name": "...", "version": "...", "tools": [{"name", "description", "inputSchema", ...}]}.
Standard library only, so it starts in a few tens of milliseconds.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def main() -> None:
    offer: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text())
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        method, ident = message.get("method"), message.get("id")
        if ident is None:
            continue  # a notification
        if method == "initialize":
            result: dict[str, Any] = {
                "protocolVersion": message["params"]["protocolVersion"],
                "capabilities": {"tools": {}},
                "serverInfo": {"name": offer["name"], "version": offer["version"]},
            }
        elif method == "tools/list":
            result = {"tools": offer["tools"]}
        else:
            reply = {"jsonrpc": "2.0", "id": ident, "error": {"code": -32601, "message": "Method not found"}}
            sys.stdout.write(json.dumps(reply) + "\n")
            sys.stdout.flush()
            continue
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": ident, "result": result}) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
