"""Every write is sent to the registry exactly once, whatever goes wrong after it left: a 503, a 429, a
502 after the registry acted, or no answer in time. Reads are retried; writes never are, because the
registry may already have acted on them. The registry here is the embedded one over real HTTP on
127.0.0.1, with a fault injected into the answers of one endpoint only."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from starlette.types import Receive, Scope, Send

from registry_mcp import RateLimited, RegistryClient, RegistryUnavailable
from registry_mcp.registry.embedded import RegistryStore, create_app
from registry_mcp.registry.retries import RetryPolicy

from .conftest import ServedApp, server_payload

pytestmark = pytest.mark.anyio

# Generous enough that any retry would happen within the test, short enough to keep it quick.
EAGER = RetryPolicy(attempts=4, backoff=0.01, max_backoff=0.02)
TIMEOUT = 0.3  # the client's, in seconds
LATE = 2 * TIMEOUT  # how long a late answer takes: twice what the client waits
PATIENT = 30.0  # for every other exchange
ADD, BULK, MODIFY, DELETE = (
    "/mcp-registry/add-server",
    "/mcp-registry/bulk-add-servers",
    "/mcp-registry/modify-server",
    "/mcp-registry/delete-server",
)


class OneFaultyEndpoint:
    """The embedded registry, where the next request to `path` gets `fault`: "503", "429" (Retry-After 0),
    "after:502" (the registry acts, then the answer is replaced), or "late" (the registry acts after the
    client stopped waiting). Every request is counted by (method, path)."""

    def __init__(self, database: Path) -> None:
        self.store = RegistryStore(database)
        self.app = create_app(self.store)
        self.path = ""
        self.fault: str | None = None
        self.requests: Counter[tuple[str, str]] = Counter()
        self.landed = threading.Event()  # set once a late request has been acted on

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.requests[scope["method"], scope["path"]] += 1
        fault, self.fault = (self.fault, None) if scope["path"] == self.path else (None, self.fault)
        if fault is None:
            return await self.app(scope, receive, send)
        if fault == "late":
            received = await _whole_request(receive)
            await anyio.sleep(LATE)
            await self.app(scope, _replay(received), _discard)
            self.landed.set()
            return None
        if fault.startswith("after:"):
            await self.app(scope, receive, _discard)
            fault = fault.removeprefix("after:")
        headers = [(b"content-type", b"application/json")]
        if fault == "429":
            headers.append((b"retry-after", b"0"))
        await send({"type": "http.response.start", "status": int(fault), "headers": headers})
        await send({"type": "http.response.body", "body": b'{"message": "injected fault"}'})
        return None


async def _discard(message: Any) -> None:
    return None


async def _whole_request(receive: Receive) -> list[Any]:
    messages = [await receive()]
    while messages[-1].get("more_body"):
        messages.append(await receive())
    return messages


def _replay(messages: list[Any]) -> Receive:
    pending = list(messages)

    async def receive() -> Any:
        return pending.pop(0) if pending else {"type": "http.disconnect"}

    return receive


@pytest.fixture
def faulty(tmp_path: Path) -> Iterator[tuple[OneFaultyEndpoint, str]]:
    registry = OneFaultyEndpoint(tmp_path / "faults.db")
    with ServedApp(registry) as served:
        yield registry, served.url
    registry.store.close()


Write = Callable[[RegistryClient], Awaitable[Any]]
WRITES: dict[str, tuple[str, str, Write]] = {
    "add": ("POST", ADD, lambda client: client.add_server(server_payload("fresh"))),
    "bulk add": (
        "POST",
        BULK,
        lambda client: client.bulk_add_servers([server_payload("fresh"), server_payload("fresh2")]),
    ),
    "modify": ("PATCH", MODIFY, lambda client: client.modify_server("existing", changes={"description": "new"})),
    "delete": ("DELETE", DELETE, lambda client: client.delete_server("existing")),
}
# The registry's names after each write took effect.
EFFECT = {
    "add": ["existing", "fresh"],
    "bulk add": ["existing", "fresh", "fresh2"],
    "modify": ["existing"],
    "delete": [],
}
FAULTS = ["503", "429", "after:502", "late"]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("write", list(WRITES))
async def test_each_write_is_sent_exactly_once_whatever_the_fault(
    faulty: tuple[OneFaultyEndpoint, str], write: str, fault: str
) -> None:
    registry, url = faulty
    method, path, act = WRITES[write]
    # Only a late answer needs the short timeout; elsewhere a loaded machine must not make one.
    timeout = TIMEOUT if fault == "late" else PATIENT
    async with (
        RegistryClient("key", base_url=url, retry=EAGER, timeout=PATIENT) as client,
        RegistryClient("key", base_url=url, retry=EAGER, timeout=timeout) as writer,
    ):
        await client.add_server(server_payload("existing"))
        registry.requests.clear()
        registry.path, registry.fault = path, fault
        with pytest.raises((RegistryUnavailable, RateLimited)):
            await act(writer)
        # Let a late write land, then look: had the client sent it again, there would be two requests.
        if fault == "late":
            with anyio.fail_after(10):
                while not registry.landed.is_set():  # noqa: ASYNC110 (set by the server's thread)
                    await anyio.sleep(0.01)
        landed = await client.list_servers()
        descriptions = {server.saved_name: server.description for server in landed.data}
    assert registry.requests[method, path] == 1
    # The write took effect once where the registry acted on it, and not at all where it refused.
    acted = fault in ("after:502", "late")
    names = sorted(server.saved_name for server in landed.data)
    assert names == (EFFECT[write] if acted else ["existing"])
    if write == "modify":
        assert descriptions["existing"] == ("new" if acted else None)


@pytest.mark.parametrize("fault", ["503", "429"])
async def test_a_read_is_retried_after_the_same_faults(faulty: tuple[OneFaultyEndpoint, str], fault: str) -> None:
    registry, url = faulty
    async with RegistryClient("key", base_url=url, retry=EAGER) as client:
        await client.add_server(server_payload("existing"))
        registry.path, registry.fault = "/mcp-registry/get-server", fault
        assert (await client.get_server("existing")).saved_name == "existing"
    assert registry.requests["GET", "/mcp-registry/get-server"] == 2


async def test_a_write_whose_answer_was_lost_exists_once(faulty: tuple[OneFaultyEndpoint, str]) -> None:
    registry, url = faulty
    async with RegistryClient("key", base_url=url, retry=EAGER) as client:
        registry.path, registry.fault = BULK, "after:502"
        with pytest.raises(RegistryUnavailable, match="HTTP 502"):
            await client.bulk_add_servers([server_payload("a"), server_payload("b")])
        listed = await client.list_servers()
    assert sorted(server.saved_name for server in listed.data) == ["a", "b"]
