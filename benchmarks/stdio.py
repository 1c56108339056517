"""A minimal JSON-RPC-over-stdio driver: spawn a server, speak the 2025-11-25 handshake (what Claude
Desktop speaks), time requests, read the process's memory.

Raw pipes rather than an SDK client, so the figures are the server's and the pipe's, not a client
library's; the same driver measures both servers, so what it adds cancels out of every ratio.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any, Self

PROTOCOL_VERSION = "2025-11-25"
CLIENT_INFO = {"name": "registry-mcp-benchmarks", "version": "1"}


class StdioServer:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
        )
        self._next_id = 0

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the protocol -------------------------------------------------------------------------

    def initialize(self) -> float:
        """Send `initialize`; the seconds from spawn to its answer."""
        params = {"protocolVersion": PROTOCOL_VERSION, "capabilities": {}, "clientInfo": CLIENT_INFO}
        self.request("initialize", params)
        answered = time.perf_counter() - self.started
        self.notify("notifications/initialized")
        return answered

    def request(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        [answer] = self.pipeline([(method, params)])
        return answer

    def call_tool(self, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
        return self.checked(self.request("tools/call", {"name": name, "arguments": arguments}))

    def pipeline(self, requests: list[tuple[str, dict[str, Any] | None]]) -> list[dict[str, Any]]:
        """Send every request at once, then read every answer (in the order they were sent)."""
        ids = []
        lines = []
        for method, params in requests:
            self._next_id += 1
            ids.append(self._next_id)
            message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
            if params is not None:
                message["params"] = params
            lines.append(json.dumps(message))
        self._write("\n".join(lines) + "\n")
        answers: dict[int, dict[str, Any]] = {}
        while len(answers) < len(ids):
            message = self._read()
            if "id" in message:
                answers[message["id"]] = message
        return [answers[request_id] for request_id in ids]

    def send(self, method: str, params: dict[str, Any] | None = None) -> int:
        """Send one request without waiting; its id, for `wait_for`."""
        self._next_id += 1
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": self._next_id, "method": method}
        if params is not None:
            message["params"] = params
        self._write(json.dumps(message) + "\n")
        return self._next_id

    def wait_for(self, request_id: int | None, seen: dict[int, dict[str, Any]]) -> dict[str, Any]:
        """Read until the answer to `request_id` (None: until any notification), keeping every answer
        read on the way in `seen`."""
        while request_id not in seen:
            message = self._read()
            if "id" in message:
                seen[message["id"]] = message
            elif request_id is None:
                return message
        return seen[request_id]

    def notify(self, method: str) -> None:
        self._write(json.dumps({"jsonrpc": "2.0", "method": method}) + "\n")

    @staticmethod
    def checked(answer: dict[str, Any]) -> dict[str, Any]:
        if "error" in answer or answer["result"].get("isError"):
            raise RuntimeError(f"the server refused a benchmark call: {json.dumps(answer)[:500]}")
        result: dict[str, Any] = answer["result"]
        return result

    # --- the process ---------------------------------------------------------------------------

    def memory_kib(self, field: str = "VmRSS") -> int:
        """Resident memory now (VmRSS) or at its peak so far (VmHWM), in KiB (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise RuntimeError(f"no {field} for process {self.process.pid}")

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()

    def _write(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the server closed stdout (exit code {self.process.poll()})")
        message: dict[str, Any] = json.loads(line)
        return message
