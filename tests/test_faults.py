"""Faults between the client and the registry: what is retried, what is not, and what is reported.

A fault-injecting wrapper around the embedded registry is served over real HTTP on 127.0.0.1; each
request takes the next scripted fault, or passes through to the real registry.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client
from starlette.types import Receive, Scope, Send

from registry_mcp import (
    RateLimited,
    RegistryClient,
    RegistryTimeout,
    RegistryUnavailable,
    ResponseTooLarge,
    UnexpectedResponse,
)
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.embedded import RegistryStore, create_app
from registry_mcp.registry.retries import RetryPolicy
from registry_mcp.settings import Settings

from .conftest import ServedApp, server_payload, text_of

pytestmark = pytest.mark.anyio
FAST = RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.02)


class FaultyRegistry:
    """The embedded registry behind a script of faults: "503", "after:502" (the registry acts, then the
    answer is replaced), "slow", "not-json", "wrong-shape", "429:<seconds>"; None passes through."""

    def __init__(self, database: Path) -> None:
        self.store = RegistryStore(database)
        self.app = create_app(self.store)
        self.script: list[str | None] = []
        self.requests: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.requests[scope["path"]] += 1
        fault = self.script.pop(0) if self.script else None
        if fault is None:
            return await self.app(scope, receive, send)
        if fault.startswith("after:"):
            await self.app(scope, receive, _discard)
            fault = fault.removeprefix("after:")
        if fault == "slow":
            await anyio.sleep(2)
            return await self.app(scope, receive, send)
        if fault == "not-json":
            return await _answer(send, 200, b"<html>maintenance</html>", "text/html")
        if fault == "wrong-shape":
            return await _answer(send, 200, b'{"data": [{"nameless": true}], "pagination": {}}')
        status, _, retry_after = fault.partition(":")
        headers = [(b"retry-after", retry_after.encode())] if retry_after else []
        return await _answer(send, int(status), b'{"message": "injected fault"}', headers=headers)


async def _discard(message: Any) -> None:
    return None


async def _answer(
    send: Send,
    status: int,
    body: bytes,
    kind: str = "application/json",
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind.encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[tuple[FaultyRegistry, str]]:
    registry = FaultyRegistry(tmp_path / "faulty.db")
    with ServedApp(registry) as served:
        yield registry, served.url
    registry.store.close()


def _client(url: str, **options: Any) -> RegistryClient:
    return RegistryClient("key", base_url=url, retry=options.pop("retry", FAST), **options)


GET = "/mcp-registry/get-server"
ADD = "/mcp-registry/add-server"
LIST = "/mcp-registry/list-servers"


async def test_reads_are_retried_through_502_503_504(faulty: tuple[FaultyRegistry, str]) -> None:
    registry, url = faulty
    async with _client(url) as client:
        await client.add_server(server_payload("steady"))
        registry.script = ["503", "502", "504"]
        assert (await client.get_server("steady")).saved_name == "steady"
    assert registry.requests[GET] == 4


async def test_reads_give_up_after_the_last_attempt(faulty: tuple[FaultyRegistry, str]) -> None:
    registry, url = faulty
    registry.script = ["503"] * 10
    async with _client(url) as client:
        with pytest.raises(RegistryUnavailable) as failure:
            await client.list_servers()
    assert registry.requests[LIST] == 4
    assert "tried 4 times" in str(failure.value) and "HTTP 503" in str(failure.value)


async def test_a_500_is_not_retried(faulty: tuple[FaultyRegistry, str]) -> None:
    registry, url = faulty
    registry.script = ["500"]
    async with _client(url) as client:
        with pytest.raises(RegistryUnavailable, match="HTTP 500"):
            await client.list_servers()
    assert registry.requests[LIST] == 1


async def test_429_waits_as_long_as_retry_after_says(faulty: tuple[FaultyRegistry, str]) -> None:
    registry, url = faulty
    registry.script = ["429:1"]
    async with _client(url) as client:
        started = anyio.current_time()
        assert (await client.list_servers()).pagination.total == 0
        assert anyio.current_time() - started >= 0.9
    assert registry.requests[LIST] == 2


async def test_a_retry_after_too_long_to_wait_is_reported(faulty: tuple[FaultyRegistry, str]) -> None:
    registry, url = faulty
    registry.script = ["429:3600"]
    async with _client(url) as client:
        with pytest.raises(RateLimited) as limited:
            await client.list_servers()
    assert limited.value.retry_after == 3600 and registry.requests[LIST] == 1


@pytest.mark.parametrize("fault", ["503", "after:502", "429:0"])
async def test_writes_are_never_retried_after_reaching_the_registry(
    faulty: tuple[FaultyRegistry, str], fault: str
) -> None:
    registry, url = faulty
    registry.script = [fault]
    async with _client(url) as client:
        with pytest.raises((RegistryUnavailable, RateLimited)):
            await client.add_server(server_payload("once"))
        registry.script = []
        listed = await client.list_servers()
    assert registry.requests[ADD] == 1
    # "after:502": the registry wrote it, the answer was lost; it exists exactly once.
    assert listed.pagination.total == (1 if fault.startswith("after:") else 0)


async def test_a_read_retried_after_a_fault_still_ends_at_the_calls_deadline(
    faulty: tuple[FaultyRegistry, str],
) -> None:
    registry, url = faulty
    registry.script = ["503", "slow", "slow", "slow"]
    async with _client(url, timeout=0.6, retry=RetryPolicy(attempts=4, backoff=0.01)) as client:
        with (
            anyio.fail_after(5),
            pytest.raises(RegistryUnavailable, match=r"did not answer in time.* 0\.6 s \(tried 2 times\)"),
        ):
            await client.list_servers()
    # The slow answer used up what was left of the deadline: no third attempt.
    assert registry.requests[LIST] == 2


async def test_a_retry_after_longer_than_the_time_left_is_reported_at_once(faulty: tuple[FaultyRegistry, str]) -> None:
    registry, url = faulty
    registry.script = ["429:5"]
    async with _client(url, timeout=2) as client:
        with anyio.fail_after(1.5), pytest.raises(RateLimited) as limited:
            await client.list_servers()
    assert limited.value.retry_after == 5 and registry.requests[LIST] == 1


@pytest.mark.parametrize(("fault", "expected"), [("not-json", "not JSON"), ("wrong-shape", "expected shape")])
async def test_unreadable_answers_are_reported(faulty: tuple[FaultyRegistry, str], fault: str, expected: str) -> None:
    registry, url = faulty
    registry.script = [fault]
    async with _client(url) as client:
        with pytest.raises(UnexpectedResponse, match=expected):
            await client.list_servers()


class DroppingServer:
    """Accepts TCP connections on 127.0.0.1 and closes each at once, counting them."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            connection.recv(65536)
            connection.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def dropping() -> Iterator[DroppingServer]:
    server = DroppingServer()
    yield server
    server.close()


async def test_a_dropped_connection_retries_a_read_but_not_a_write(dropping: DroppingServer) -> None:
    async with _client(dropping.url) as client:
        with pytest.raises(RegistryUnavailable, match="tried 4 times"):
            await client.get_server("x")
        reads = dropping.accepted
        with pytest.raises(RegistryUnavailable):
            await client.add_server(server_payload("x"))
    assert reads == 4
    assert dropping.accepted - reads == 1


class RefusingFirst(httpx2.AsyncBaseTransport):
    """Fails the first `failures` connects, then hands requests to `inner`."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, failures: int) -> None:
        self.inner, self.failures, self.attempts = inner, failures, 0

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise httpx2.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


async def test_a_write_is_retried_when_the_connect_failed(tmp_path: Path) -> None:
    store = RegistryStore(tmp_path / "connect.db")
    transport = RefusingFirst(httpx2.ASGITransport(app=create_app(store)), failures=2)
    async with RegistryClient("key", base_url="https://registry.test", retry=FAST, transport=transport) as client:
        await client.add_server(server_payload("after-refusals"))
        assert (await client.list_servers()).pagination.total == 1
    assert transport.attempts == 4  # two refused connects, the add, the list
    store.close()


def test_an_api_key_is_never_sent_over_plain_http_to_another_host() -> None:
    with pytest.raises(ValueError, match="must use https"):
        RegistryClient("key", base_url="http://registry.example.com")
    for url in ("https://registry.example.com", "http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:2"):
        RegistryClient("key", base_url=url)  # accepted (nothing is sent)


async def test_a_redirect_is_not_followed(tmp_path: Path) -> None:
    async def redirect(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await send(
                {"type": "http.response.start", "status": 307, "headers": [(b"location", b"https://evil.test/")]}
            )
            await send({"type": "http.response.body", "body": b""})

    with ServedApp(redirect) as served:
        async with _client(served.url) as client:
            with pytest.raises(UnexpectedResponse, match=r"redirected to 'https://evil\.test/'"):
                await client.list_servers()


# --- bounded answers ---------------------------------------------------------------------------

PAGE = b'{"data": [], "pagination": {"page": 1, "per_page": 20, "total": 0}}'


class Trickling:
    """Answers a valid (empty) server list one byte every 0.1 s: each read is quick, the whole slow."""

    def __init__(self) -> None:
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        self.requests += 1
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        body = PAGE + b" " * 30
        for index in range(len(body)):
            await send({"type": "http.response.body", "body": body[index : index + 1], "more_body": True})
            with anyio.move_on_after(0.1):  # a pause, cut short when the client hangs up
                if (await _next_event(receive))["type"] == "http.disconnect":
                    return
        await send({"type": "http.response.body", "body": b""})


async def _next_event(receive: Receive) -> Any:
    """The next ASGI event after the request's body: a disconnect, once the client hangs up."""
    while (event := await receive())["type"] == "http.request":
        pass
    return event


async def test_an_answer_trickling_in_ends_the_whole_call_at_the_deadline() -> None:
    trickling = Trickling()
    with ServedApp(trickling) as served:
        async with _client(served.url, timeout=0.5, retry=RetryPolicy(attempts=4, backoff=0.01)) as client:
            # 100 bytes at 0.1 s each would take 10 s. The deadline is the whole call's, retries
            # included: not 0.5 s for each of 4 attempts.
            started = anyio.current_time()
            with anyio.fail_after(5), pytest.raises(RegistryTimeout) as late:
                await client.list_servers()
            took = anyio.current_time() - started
    assert trickling.requests == 1 and took < 1.0
    assert "within 0.5 s." in str(late.value) and "REGISTRY_MCP_TIMEOUT" in str(late.value)


async def test_the_deadline_is_a_tool_error_naming_the_setting() -> None:
    with ServedApp(Trickling()) as served:
        settings = Settings(api_key="key", base_url=served.url, timeout=0.3)
        async with Client(create_server(settings)) as client:
            with anyio.fail_after(10):
                result = await client.call_tool("list_registry_servers", {})
    assert result.is_error and "did not answer in time" in text_of(result)
    assert "REGISTRY_MCP_TIMEOUT (or --timeout)" in text_of(result)


class Huge:
    """Answers 200 with an endless JSON-looking body, in 64 KiB chunks (declaring its length, or not);
    counts what it managed to send before the client hung up."""

    def __init__(self, *, status: int = 200, declare: bool = False) -> None:
        self.status, self.declare, self.sent = status, declare, 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        size = 200 * 1024 * 1024
        headers = [(b"content-type", b"application/json")]
        if self.declare:
            headers.append((b"content-length", str(size).encode()))
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        chunk = b"[" + b" " * (64 * 1024 - 1)
        while self.sent < size:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            self.sent += len(chunk)
            chunk = b" " * len(chunk)
            if self.sent > 8 * 1024 * 1024:  # far past the client's limit: it should have hung up
                break
        await send({"type": "http.response.body", "body": b""})


@pytest.mark.parametrize("declare", [False, True])
async def test_an_answer_past_the_size_limit_is_refused_unread(declare: bool) -> None:
    huge = Huge(declare=declare)
    with ServedApp(huge) as served:
        async with _client(served.url, max_response_bytes=1024 * 1024) as client:
            with anyio.fail_after(10), pytest.raises(ResponseTooLarge) as refused:
                await client.list_servers()
    assert "larger than 1,048,576 bytes" in str(refused.value)
    assert "REGISTRY_MCP_MAX_RESPONSE_BYTES (or --max-response-bytes)" in str(refused.value)
    if declare:
        assert "it announced 209,715,200" in str(refused.value)


async def test_a_huge_error_body_is_read_only_as_far_as_it_is_quoted() -> None:
    with ServedApp(Huge(status=500)) as served:
        async with _client(served.url) as client:
            with anyio.fail_after(10), pytest.raises(RegistryUnavailable) as failed:
                await client.list_servers()
    assert "HTTP 500" in str(failed.value)
    assert failed.value.registry_message is not None and len(failed.value.registry_message) <= 300


async def test_the_size_error_suggests_a_smaller_page_only_to_a_tool_that_has_one() -> None:
    with ServedApp(Huge(declare=True)) as served:
        settings = Settings(api_key="key", base_url=served.url, max_response_bytes=1024)
        async with Client(create_server(settings)) as client:
            with anyio.fail_after(10):
                got = await client.call_tool("get_registry_server", {"saved_name": "files"})
                listed = await client.call_tool("list_registry_servers", {})
    assert got.is_error and "larger than 1,024 bytes" in text_of(got)
    assert "per_page" not in text_of(got) and "REGISTRY_MCP_MAX_RESPONSE_BYTES" in text_of(got)
    assert listed.is_error and "a smaller per_page" in text_of(listed)
