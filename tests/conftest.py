"""Shared fixtures: the seed payloads, registries (in-process and over real HTTP) and MCP servers."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Self

import httpx2
import pytest
import uvicorn
from mcp import Client, StdioServerParameters
from mcp.client.session import ClientRequestContext
from mcp.client.streamable_http import streamable_http_client
from mcp_types import ElicitRequestParams, ElicitResult

from registry_mcp import RegistryClient
from registry_mcp.mcp.registries import open_registry
from registry_mcp.mcp.server import create_server
from registry_mcp.mcp.tools import TOOL_NAMES, TOOLS
from registry_mcp.registry import endpoints
from registry_mcp.registry.embedded import RegistryStore, create_app
from registry_mcp.settings import Settings

DATA = Path(__file__).parent / "data"

# Every tool clients should see, and those that change nothing (what --read-only exposes): from the
# catalog. What the catalog declares is held by the tools' snapshot files (tests/test_snapshot.py).
EVERY_TOOL = frozenset(TOOL_NAMES)
READ_ONLY_TOOLS = frozenset(tool.name for tool in TOOLS if tool.annotations.read_only_hint)
LIVE_API_KEY = "test-live-registry-key"
HTTP_TOKEN = "shared-http-token-for-tests-91c7"  # REGISTRY_MCP_HTTP_TOKEN of the HTTP servers in the tests


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def seed_request() -> dict[str, Any]:
    """The published add-server page's example request body."""
    return json.loads((DATA / "seed_add_server_request.json").read_text())


@pytest.fixture
def seed_response() -> dict[str, Any]:
    """The published add-server page's example response."""
    return json.loads((DATA / "seed_add_server_response.json").read_text())


def server_payload(saved_name: str, **fields: Any) -> dict[str, Any]:
    """A small valid add-server payload."""
    payload: dict[str, Any] = {
        "saved_name": saved_name,
        "server_name": f"@example/{saved_name}",
        "mcp_config": {"config": {"command": "npx", "args": ["-y", f"@example/{saved_name}"]}},
    }
    payload.update(copy.deepcopy(fields))
    return payload


def text_of(result: Any) -> str:
    """The text blocks of a tool result, joined."""
    return "\n".join(block.text for block in result.content if block.type == "text")


def server_command() -> str:
    """The installed console script, next to this interpreter."""
    script = Path(sys.executable).parent / "registry-mcp"
    return str(script) if script.exists() else shutil.which("registry-mcp") or "registry-mcp"


def stdio_parameters(database: Path, *args: str, **env: str) -> StdioServerParameters:
    """How to spawn `registry-mcp` over stdio on the embedded registry in `database`."""
    return StdioServerParameters(
        command=server_command(),
        args=list(args),
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(database.parent), "REGISTRY_MCP_DB": str(database), **env},
    )


@pytest.fixture(params=["auto", "legacy"])
async def client(request: pytest.FixtureRequest) -> AsyncIterator[Client]:
    """An in-memory MCP client of a server on a fresh in-memory registry, in both protocol modes:
    2026-07-28 (direct dispatch) and the 2025-11-25 handshake over JSON-RPC streams (Claude Desktop's)."""
    async with Client(create_server(Settings()), mode=request.param) as connected:
        yield connected


@pytest.fixture
async def embedded() -> AsyncIterator[RegistryClient]:
    """A client of a fresh in-memory embedded registry (in-process, through ASGITransport)."""
    async with RegistryClient.embedded(":memory:") as client:
        yield client


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class PortTaken(RuntimeError):
    """Another process took the port between `free_port` and the server's bind."""


def _serves(port: int, stderr: Path | None) -> bool:
    """Whether the port is served: by our uvicorn where its log is kept (any process may answer a
    connect, such as another test's server that took the port first), else by whoever answers."""
    if stderr is not None:
        return f"Uvicorn running on http://127.0.0.1:{port} " in stderr.read_text(errors="replace")
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def mcp_over_http(
    argv: list[str], port: int, env: dict[str, str] | None = None, path: str = "/mcp", stderr: Path | None = None
) -> Iterator[str]:
    """A process serving MCP over HTTP on `port`: its endpoint's URL while it runs (its stderr kept in
    the file `stderr` if given: then it must log uvicorn's start, as `--log-level` INFO or DEBUG does)."""
    with stderr.open("wb") if stderr else contextlib.nullcontext(subprocess.PIPE) as err:
        process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)
    try:
        deadline = time.monotonic() + 30
        while not _serves(port, stderr):
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stderr.read() if process.stderr else stderr.read_bytes() if stderr else b""
                if b"address already in use" in output:
                    raise PortTaken(f"port {port} was taken before the server could bind it")
                raise RuntimeError(f"the HTTP server did not start: {output!r}")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}{path}"
    finally:
        process.terminate()
        process.wait(timeout=15)


@dataclass
class Served:
    """A `registry-mcp --transport http` process: its MCP endpoint, and the file its stderr goes to."""

    url: str
    log: Path  # the server's stderr

    @property
    def stderr(self) -> str:
        return self.log.read_text()


def http_environment(tmp_path: Path, **env: str) -> dict[str, str]:
    """A server's environment: its registry file and home in `tmp_path`, the checkout importable."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "REGISTRY_MCP_DB": str(tmp_path / "r.db"),
        "PYTHONPATH": str(Path(__file__).parent.parent),
        **env,
    }


@contextmanager
def serving(tmp_path: Path, *args: str, **env: str) -> Iterator[Served]:
    """`registry-mcp --transport http ARGS` on a free loopback port, logging at DEBUG to a file (on
    another port if one is taken before the server binds it: test runs and workers share this machine)."""
    for _ in range(3):
        port = free_port()
        log = tmp_path / f"server-{port}.log"
        argv = [server_command(), "--transport", "http", "--port", str(port), "--log-level", "DEBUG", *args]
        with contextlib.ExitStack() as stack:
            try:
                url = stack.enter_context(mcp_over_http(argv, port, http_environment(tmp_path, **env), stderr=log))
            except PortTaken:
                continue
            yield Served(url, log)
            return
    raise PortTaken("three free ports were taken before the server could bind them")


class ServedApp:
    """An ASGI app served by uvicorn on 127.0.0.1 (a free port), in a background thread."""

    def __init__(self, app: Any, **options: Any) -> None:
        """`options` go to uvicorn.Config (such as ssl_certfile=, to serve HTTPS)."""
        # Bound here and handed to uvicorn: no other process can take the port in between.
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.port: int = self.socket.getsockname()[1]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


class LiveRegistry(ServedApp):
    """The embedded registry served over real HTTP from a SQLite file, requiring an API key.

    It stands for the cloud registry, so its modify merges or replaces as the endpoint table assumes
    the cloud's does. `requests` records the method and path of each request it serves."""

    def __init__(self, database: Path, api_key: str | None) -> None:
        self.store = RegistryStore(database)
        self.requests: list[tuple[str, str]] = []
        app = create_app(self.store, api_key=api_key, merges=endpoints.ENDPOINTS["modify"].merges)

        async def recorded(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                self.requests.append((scope["method"], scope["path"]))
            await app(scope, receive, send)

        super().__init__(recorded)

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        self.store.close()


@pytest.fixture
def live_registry(tmp_path: Path) -> Iterator[LiveRegistry]:
    with LiveRegistry(tmp_path / "live.db", api_key=LIVE_API_KEY) as live:
        yield live


@pytest.fixture(params=["embedded", "cloud", "merging-cloud"])
def settings(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings for the embedded registry in a file, or for a cloud-style registry reached with an API
    key: as the endpoint table describes the cloud, and as it would with modify corrected to merge."""
    if request.param == "embedded":
        yield Settings(database=str(tmp_path / "embedded.db"))
        return
    if request.param == "merging-cloud":
        merging = dataclasses.replace(endpoints.ENDPOINTS["modify"], merges=True)
        monkeypatch.setitem(endpoints.ENDPOINTS, "modify", merging)
    with LiveRegistry(tmp_path / "cloud.db", api_key="sk-cloud-test") as live:
        yield Settings(api_key="sk-cloud-test", base_url=live.url)


async def stored_record(settings: Settings, saved_name: str) -> dict[str, Any]:
    """The server as the registry holds it, read without masking."""
    async with open_registry(settings) as registry:
        return (await registry.get_server(saved_name)).to_api()


@pytest.fixture
async def over_http(live_registry: LiveRegistry) -> AsyncIterator[RegistryClient]:
    """A cloud-style client (API key, base URL) of the live registry over real HTTP."""
    async with RegistryClient(LIVE_API_KEY, base_url=live_registry.url) as client:
        yield client


@pytest.fixture(params=["in_process", "over_http"])
async def registry(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RegistryClient]:
    """The same tests against the embedded registry in-process and over real HTTP (uvicorn)."""
    if request.param == "in_process":
        async with RegistryClient.embedded(":memory:") as client:
            yield client
        return
    with LiveRegistry(tmp_path / "live.db", api_key=LIVE_API_KEY) as live:
        async with RegistryClient(LIVE_API_KEY, base_url=live.url) as client:
            yield client


@dataclass
class Person:
    """Answers the server's questions the way a person in the client would, and remembers them."""

    action: Literal["accept", "decline", "cancel"] = "accept"
    confirm: bool = True
    asked: list[ElicitRequestParams] = field(default_factory=list)

    async def __call__(self, context: ClientRequestContext, params: ElicitRequestParams) -> ElicitResult:
        self.asked.append(params)
        content = {"confirm": self.confirm} if self.action == "accept" else None
        return ElicitResult(action=self.action, content=content)


@asynccontextmanager
async def mcp_http_client(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
    mode: Literal["auto", "legacy"] = "auto",
    elicitation_callback: Any = None,
) -> AsyncIterator[Client]:
    """The SDK's client over Streamable HTTP, sending `headers` (credentials) with every request."""
    async with (
        httpx2.AsyncClient(headers=headers, transport=transport, timeout=30) as http,
        Client(
            streamable_http_client(url, http_client=http), mode=mode, elicitation_callback=elicitation_callback
        ) as client,
    ):
        yield client
