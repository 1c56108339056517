"""A remote caller gets no network position: over HTTP, inspect_mcp_server reaches only public
addresses, checked where each connection is made (after DNS, on every connection and redirect, in
every spelling of an address), unless the server was started with --allow-private-targets. A refused
address, an unreachable one and a silent one fail with the same words. On stdio nothing changes.

Real loopback servers stand for the private targets; a test resolver gives names their addresses,
and 127.0.0.2 stands for the public internet where a test needs one."""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import httpcore2
import httpx2
import pytest
from mcp import Client

from registry_mcp.errors import InspectionFailed
from registry_mcp.mcp.server import create_server
from registry_mcp.registry.models import RemoteServerConfig
from registry_mcp.servers import addresses
from registry_mcp.servers.addresses import REFUSED, GuardedBackend, GuardedTransport, is_public
from registry_mcp.servers.inspection import inspect_server
from registry_mcp.settings import Settings

from .conftest import Person, ServedApp, text_of

pytestmark = pytest.mark.anyio

NOT_PUBLIC = [
    "127.0.0.1", "127.8.9.10", "0.0.0.0", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1",
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "192.0.0.192", "224.0.0.1",
    "255.255.255.255", "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1", "ff02::1",
    "::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::127.0.0.1", "64:ff9b::a9fe:a9fe",
    "64:ff9b::7f00:1", "2002:7f00:1::1", "2002:a9fe:a9fe::1",
]  # fmt: skip
PUBLIC = ["1.1.1.1", "8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "64:ff9b::101:101"]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_loopback_private_link_local_and_metadata_addresses_are_not_public(address: str) -> None:
    assert not is_public(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_public(address: str) -> None:
    assert is_public(ipaddress.ip_address(address))


class Recorder:
    """An HTTP server on a loopback address that records each request and answers `status`, with
    `location` as the Location header if given; each connection is closed after its answer."""

    def __init__(self, host: str = "127.0.0.1", status: int = 404, location: str | None = None) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                recorder.requests.append(f"{self.command} {self.path}")
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()

            do_GET = do_POST = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.port: int = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def private() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


def _as_public(monkeypatch: pytest.MonkeyPatch, *stand_ins: str) -> None:
    """Treat these loopback addresses as the public internet (the rest of the rule unchanged)."""
    real = addresses.is_public
    public = {ipaddress.ip_address(text) for text in stand_ins}
    monkeypatch.setattr(addresses, "is_public", lambda address: address in public or real(address))


def _resolving(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[list[str]]]) -> list[str]:
    """A test resolver: each name gets its lists of addresses in turn (the last one thereafter);
    other names fail as unknown; an address is itself. Returns the names asked, in order."""
    asked: list[str] = []

    async def resolve(host: str) -> list[str]:
        try:
            return [str(ipaddress.ip_address(host))]  # an address needs no lookup
        except ValueError:
            pass
        asked.append(host)
        answers = names.get(host)
        if answers is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers.pop(0) if len(answers) > 1 else answers[0]

    monkeypatch.setattr(addresses, "resolve_host", resolve)
    return asked


async def test_the_system_resolver_reads_every_spelling_of_an_address() -> None:
    assert await addresses.resolve_host("0177.0.0.1") == ["127.0.0.1"]
    assert await addresses.resolve_host("2130706433") == ["127.0.0.1"]
    assert await addresses.resolve_host("::ffff:7f00:1") == ["::ffff:127.0.0.1"]
    assert "127.0.0.1" in await addresses.resolve_host("localhost")


async def test_a_lookup_that_never_ends_is_refused_by_the_connect_timeout() -> None:
    async def never(host: str) -> list[str]:
        await anyio.sleep_forever()
        raise AssertionError

    with anyio.fail_after(10), pytest.raises(httpcore2.ConnectError, match=REFUSED):
        await GuardedBackend(resolve=never).connect_tcp("slow.example.test", 80, timeout=0.2)


@pytest.mark.parametrize(
    "answer",
    [[], ["fe80::1%eth0"], ["not an address"], ["93.184.215.14", "127.0.0.1"], ["::ffff:169.254.169.254"]],
    ids=["none", "scoped", "garbage", "partly-inward", "mapped-metadata"],
)
async def test_a_lookup_with_no_usable_public_answer_is_refused(answer: list[str]) -> None:
    async def resolve(host: str) -> list[str]:
        return answer

    inner = Recording()
    with pytest.raises(httpcore2.ConnectError, match=REFUSED):
        await GuardedBackend(inner, resolve=resolve).connect_tcp("odd.example.test", 80, timeout=5)
    assert inner.asked == []


SPELLINGS = ["127.0.0.1", "localhost", "2130706433", "0x7f000001", "0177.0.0.1", "127.1", "::ffff:127.0.0.1"]


@pytest.mark.parametrize("host", SPELLINGS)
async def test_every_spelling_of_loopback_is_refused_at_the_connection(private: Recorder, host: str) -> None:
    with pytest.raises(httpcore2.ConnectError, match=REFUSED):
        await GuardedBackend().connect_tcp(host, private.port, timeout=5)
    # The control: unguarded, the same spelling reaches the listener.
    if ":" not in host or socket.has_ipv6:
        stream = await httpcore2.AnyIOBackend().connect_tcp(host, private.port, timeout=5)
        await stream.aclose()


class Recording(httpcore2.AsyncNetworkBackend):
    """An inner backend that records what it is asked, fails for the addresses in `unreachable`, and
    otherwise connects to 127.0.0.1:`port` whatever it is asked for (as a NAT or an interception
    would: the peer is not the address checked)."""

    def __init__(self, port: int = 0, unreachable: tuple[str, ...] = ()) -> None:
        self.port, self.unreachable = port, unreachable
        self.asked: list[tuple[str, int, dict[str, Any]]] = []
        self.slept: list[float] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2's interface)
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore2.AsyncNetworkStream:
        options = {"timeout": timeout, "local_address": local_address, "socket_options": socket_options}
        self.asked.append((host, port, options))
        if host in self.unreachable:
            raise httpcore2.ConnectError("unreachable")
        return await httpcore2.AnyIOBackend().connect_tcp("127.0.0.1", self.port, timeout=timeout)

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


async def _public(host: str) -> list[str]:
    return ["93.184.215.14", "1.1.1.1"]


async def test_a_connection_that_lands_on_a_private_peer_is_closed(private: Recorder) -> None:
    """The peer the socket reached is checked too, not only the address asked for."""
    inner = Recording(private.port)
    with pytest.raises(httpcore2.ConnectError, match=REFUSED):
        await GuardedBackend(inner, resolve=_public).connect_tcp("example.test", 80, timeout=5)
    assert [host for host, _, _ in inner.asked] == ["93.184.215.14"]  # the checked address: no second lookup


async def test_the_next_address_is_tried_with_the_callers_options(
    private: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_public(monkeypatch, "127.0.0.1")  # the peer the inner backend lands on counts as public here
    inner = Recording(private.port, unreachable=("93.184.215.14",))
    options = {"timeout": 4.0, "local_address": "0.0.0.0", "socket_options": [(6, 1, 1)]}
    stream = await GuardedBackend(inner, resolve=_public).connect_tcp("example.test", 8443, **options)
    await stream.aclose()
    assert inner.asked == [("93.184.215.14", 8443, options), ("1.1.1.1", 8443, options)]
    everywhere = Recording(private.port, unreachable=("93.184.215.14", "1.1.1.1"))
    with pytest.raises(httpcore2.ConnectError, match=REFUSED):
        await GuardedBackend(everywhere, resolve=_public).connect_tcp("example.test", 8443, **options)
    assert len(everywhere.asked) == 2


async def test_no_unix_socket_and_the_inner_backends_sleep() -> None:
    inner = Recording()
    with pytest.raises(httpcore2.ConnectError, match=REFUSED):
        await GuardedBackend(inner).connect_unix_socket("/run/docker.sock")
    await GuardedBackend(inner).sleep(0.25)
    assert inner.slept == [0.25] and inner.asked == []


def test_the_guard_fails_loudly_if_httpx2_moves_its_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(httpx2.AsyncHTTPTransport, "__init__", lambda self: None)
    with pytest.raises(
        RuntimeError, match=r"^httpx2's transport no longer keeps its pool in _pool: the guard cannot be fitted$"
    ):
        GuardedTransport()


async def test_the_guarded_transport_trusts_the_tls_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """SSL_CERT_FILE names a private certificate authority: the guarded connections trust it."""
    certificate = str(Path(__file__).parent / "data" / "tls" / "self-signed.pem")

    async def hello(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    _as_public(monkeypatch, "127.0.0.1")
    with ServedApp(hello, ssl_certfile=certificate) as served:
        url = served.url.replace("http://", "https://")
        async with httpx2.AsyncClient(transport=GuardedTransport(), timeout=10) as http:
            with pytest.raises(httpx2.ConnectError):  # not trusted without it
                await http.get(url)
        monkeypatch.setenv("SSL_CERT_FILE", certificate)
        async with httpx2.AsyncClient(transport=GuardedTransport(), timeout=10) as http:
            assert (await http.get(url)).status_code == 204


async def test_a_name_resolving_to_loopback_or_partly_inward_is_refused(
    private: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_public(monkeypatch, "127.0.0.2")
    _resolving(monkeypatch, {"inward.example.test": [["127.0.0.1"]], "both.example.test": [["127.0.0.2", "127.0.0.1"]]})
    async with httpx2.AsyncClient(transport=GuardedTransport(), timeout=5) as http:
        for name in ("inward.example.test", "both.example.test", "unknown.example.test"):
            with pytest.raises(httpx2.ConnectError):
                await http.get(f"http://{name}:{private.port}/mcp")
    assert private.requests == []


async def test_a_redirect_inward_is_refused_at_its_connection(
    private: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    _as_public(monkeypatch, "127.0.0.2")
    _resolving(monkeypatch, {"inward.example.test": [["127.0.0.1"]]})
    inward = f"http://inward.example.test:{private.port}/latest/meta-data/"
    with Recorder("127.0.0.2", status=302, location=inward) as public:
        async with httpx2.AsyncClient(transport=GuardedTransport(), timeout=5, follow_redirects=True) as http:
            with pytest.raises(httpx2.ConnectError):
                await http.get(f"http://127.0.0.2:{public.port}/mcp")
    assert public.requests == ["GET /mcp"] and private.requests == []


async def test_a_name_that_rebinds_inward_is_refused_on_its_next_connection(
    private: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name's first answer is public, its next one loopback (both on one port)."""
    _as_public(monkeypatch, "127.0.0.2")
    with Recorder("127.0.0.2") as public, Recorder("127.0.0.1") as inward:
        inward.server.server_close()  # the same port on loopback, so the rebinding lands on a listener
        inward.server = ThreadingHTTPServer(("127.0.0.1", public.port), type(public.server.RequestHandlerClass))  # type: ignore[arg-type]
        threading.Thread(target=inward.server.serve_forever, daemon=True).start()
        asked = _resolving(monkeypatch, {"rebinding.example.test": [["127.0.0.2"], ["127.0.0.1"]]})
        async with httpx2.AsyncClient(transport=GuardedTransport(), timeout=5) as http:
            first = await http.get(f"http://rebinding.example.test:{public.port}/mcp")
            with pytest.raises(httpx2.ConnectError):  # the first answer closed its connection: a new one
                await http.get(f"http://rebinding.example.test:{public.port}/mcp")
    assert first.status_code == 404 and asked == ["rebinding.example.test"] * 2
    assert len(public.requests) == 1 and inward.requests == []


async def _failure(config: RemoteServerConfig) -> str:
    with anyio.fail_after(30), pytest.raises(InspectionFailed) as failed:
        await inspect_server(config, start_timeout=2, request_timeout=2, private_targets=False)
    return str(failed.value)


async def test_refused_unreachable_unknown_and_silent_targets_fail_alike(
    private: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No port scanner: an open loopback port, a closed one, the metadata address, a name that does not
    resolve and one whose lookup never ends all get the same words, for both HTTP transports."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        closed_port = closed.getsockname()[1]

    async def never(host: str) -> list[str]:
        await anyio.sleep_forever()
        raise AssertionError

    urls = [
        f"http://127.0.0.1:{private.port}/mcp",
        f"http://127.0.0.1:{closed_port}/mcp",
        "http://169.254.169.254/latest/meta-data/",
        f"http://[::1]:{private.port}/mcp",
        "http://no-such-host.invalid/mcp",
    ]
    texts = set()
    for transport in ("streamable_http", "sse"):
        for url in urls:
            texts.add(await _failure(RemoteServerConfig(url=url, transport=transport)))
        monkeypatch.setattr(addresses, "resolve_host", never)
        texts.add(await _failure(RemoteServerConfig(url="http://silent.example.test/mcp", transport=transport)))
        monkeypatch.undo()
    assert len(texts) == 1, texts
    [text] = texts
    assert "--allow-private-targets" in text and "no MCP server answered there within 2 s" in text
    assert private.requests == []


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_over_http_a_caller_cannot_reach_a_loopback_server(private: Recorder, mode: Any) -> None:
    url = f"http://127.0.0.1:{private.port}/mcp"
    person = Person()  # the caller answers its own question: it is asked, and still reaches nothing
    async with Client(create_server(Settings(over_http=True)), mode=mode, elicitation_callback=person) as client:
        result = await client.call_tool("inspect_mcp_server", {"config": {"url": url}})
    assert result.is_error and private.requests == []
    assert f"Could not inspect {url}: no MCP server answered there within" in text_of(result)


async def test_allow_private_targets_and_stdio_reach_it(private: Recorder) -> None:
    """The controls: the same call does reach the loopback server with the development option, and
    on stdio (the person at this machine)."""
    url = f"http://127.0.0.1:{private.port}/mcp"
    for settings in (Settings(over_http=True, allow_private_targets=True, allow_launch=True), Settings()):
        async with Client(create_server(settings), elicitation_callback=Person()) as client:
            result = await client.call_tool("inspect_mcp_server", {"config": {"url": url}})
        assert result.is_error and "no MCP server answered there" not in text_of(result)
        assert private.requests, "the loopback server was never reached"
        private.requests.clear()


def test_the_development_option_is_for_http_only(capsys: pytest.CaptureFixture[str]) -> None:
    from registry_mcp.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["--allow-private-targets"])
    assert stopped.value.code == 2
    assert "--allow-private-targets applies to --transport http only" in capsys.readouterr().err
