"""A raw stdio MCP server that completes the handshake and then never answers (for timeout tests).

Writes its pid to the file named by its first argument."""

import json
import os
import sys

with open(sys.argv[1], "w") as pid_file:
    pid_file.write(str(os.getpid()))
for line in sys.stdin:
    message = json.loads(line)
    if message.get("method") == "initialize":
        result = {
            "protocolVersion": message["params"]["protocolVersion"],
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "stalling", "version": "0"},
        }
        sys.stdout.write(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": result}) + "\n")
        sys.stdout.flush()
