"""Memory while a registry sends a 200 MB answer: bounded by the size limit, not by the answer.

    python -m benchmarks.large_answer

A socket on 127.0.0.1 answers a list request with 200 MB (declaring no length, so the limit is
met while reading). Each case runs in a fresh process, which reports its peak RSS before and after
the request: the default limit (16 MiB), and a limit above the answer's size, which is what reading
it whole costs.
"""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
import threading

import anyio

from registry_mcp import RegistryClient, RegistryError
from registry_mcp.registry.client import DEFAULT_MAX_RESPONSE_BYTES
from registry_mcp.registry.retries import NO_RETRIES

ANSWER_BYTES = 200 * 1024 * 1024
CHUNK = 64 * 1024


def serve_huge_answers() -> int:
    """A port on 127.0.0.1 where every connection gets a 200 MB JSON-looking answer."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
            blank = b" " * CHUNK
            try:
                for _ in range(ANSWER_BYTES // CHUNK):
                    connection.sendall(blank)
                connection.sendall(b"]")
            except OSError:
                pass  # the client hung up, as it should past its limit

    def accept() -> None:
        while True:
            connection, _ = listener.accept()
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    port: int = listener.getsockname()[1]
    return port


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


async def fetch(port: int, limit: int) -> str:
    async with RegistryClient(
        "key", base_url=f"http://127.0.0.1:{port}", max_response_bytes=limit, retry=NO_RETRIES, timeout=120
    ) as client:
        try:
            await client.list_servers()
        except RegistryError as failure:
            return type(failure).__name__
    return "answered"


def child(port: int, limit: int) -> None:
    before = peak_rss_mib()
    outcome = anyio.run(fetch, port, limit)
    print(f"{before:.0f} {peak_rss_mib():.0f} {outcome}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(int(sys.argv[2]), int(sys.argv[3]))
        return
    port = serve_huge_answers()
    print(f"A {ANSWER_BYTES // 2**20} MiB answer, read by a fresh process each time (peak RSS, MiB):")
    print(f"{'limit':>12} {'before':>7} {'after':>7}  outcome")
    for limit in (DEFAULT_MAX_RESPONSE_BYTES, 2 * ANSWER_BYTES):
        run = subprocess.run(
            [sys.executable, "-m", "benchmarks.large_answer", "--child", str(port), str(limit)],
            capture_output=True,
            text=True,
            check=True,
        )
        before, after, outcome = run.stdout.split()
        print(f"{limit // 2**20:>8} MiB {before:>7} {after:>7}  {outcome}")


if __name__ == "__main__":
    main()
