"""Which network addresses an inspection may connect to, checked where each connection is made.

Over HTTP a caller is a remote client: it must not borrow this server's network position to reach
what only this machine or its network can (a loopback port, a private service, the cloud's
metadata endpoint). `GuardedTransport` is an httpx2 transport whose network backend resolves the
host itself, refuses unless every address it may use is public (`is_public`), connects to the checked
address (no second lookup that could answer differently), and checks the peer the socket reached.
So every connection is checked, a redirect's or an SSE endpoint's included, in every spelling of an
address (decimal, octal, hex, IPv4-mapped or -embedded IPv6), after DNS.

A refused address raises `httpcore2.ConnectError`, as an unreachable one does: the caller cannot
tell them apart. Proxies from the environment are not used (a proxy would connect where this
process cannot look); the TLS settings are (`SSL_CERT_FILE`, `SSL_CERT_DIR`).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import anyio
import httpcore2
import httpx2
from httpcore2 import AsyncNetworkBackend, AsyncNetworkStream

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Awaitable[list[str]]]

# Public by their prefix, yet the platforms' own: Azure's wire server (its metadata's twin), Alibaba
# Cloud's metadata (inside the shared 100.64.0.0/10, refused anyway), and the IETF protocol block
# holding Oracle Cloud's metadata (192.0.0.192).
_PLATFORM = tuple(
    ipaddress.ip_network(network) for network in ("168.63.129.16/32", "100.100.100.200/32", "192.0.0.0/24")
)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_V4_COMPATIBLE = ipaddress.ip_network("::/96")
REFUSED = "not an address this server connects to for a remote caller"


def is_public(address: IPAddress) -> bool:
    """Whether `address` is on the public internet: not loopback, private, link-local, unique-local,
    shared, reserved, multicast or a cloud metadata address, nor an IPv6 form that carries one of
    those IPv4 addresses (mapped, compatible, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        for embedded in _embedded_ipv4(address):
            if not is_public(embedded):
                return False
    return address.is_global and not address.is_multicast and not any(address in network for network in _PLATFORM)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> Iterable[ipaddress.IPv4Address]:
    if address.ipv4_mapped is not None:
        yield address.ipv4_mapped
    if address.sixtofour is not None:
        yield address.sixtofour
    if address.teredo is not None:
        yield from address.teredo
    if address in _V4_COMPATIBLE or any(address in prefix for prefix in _NAT64):
        yield ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


async def resolve_host(host: str) -> list[str]:
    """The addresses the system resolver gives `host` (which also reads `0177.0.0.1`, `2130706433`
    and `0x7f000001` as 127.0.0.1), each once."""
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in await anyio.getaddrinfo(host, None)))


class GuardedBackend(AsyncNetworkBackend):
    """Connects only to public addresses; `resolve` defaults to `resolve_host`, looked up when used."""

    def __init__(self, inner: AsyncNetworkBackend | None = None, resolve: Resolver | None = None) -> None:
        self._inner = inner or httpcore2.AnyIOBackend()
        self._resolve = resolve

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        resolve = self._resolve or resolve_host
        try:
            with anyio.fail_after(timeout):
                addresses = [ipaddress.ip_address(text) for text in await resolve(host)]
        except (OSError, ValueError, TimeoutError):
            raise httpcore2.ConnectError(REFUSED) from None  # no name, or no answer: said as a refusal
        # Every address the name has must be public: a name that also points inward is refused whole.
        if not all(is_public(address) for address in addresses):
            raise httpcore2.ConnectError(REFUSED)
        for address in addresses:
            try:
                stream = await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout):
                continue  # the name's next address
            peer = stream.get_extra_info("server_addr")
            if peer is None or not is_public(ipaddress.ip_address(peer[0])):
                await stream.aclose()
                raise httpcore2.ConnectError(REFUSED)
            return stream
        raise httpcore2.ConnectError(REFUSED)  # no address, or none answered

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore2's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> AsyncNetworkStream:
        raise httpcore2.ConnectError(REFUSED)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx2.AsyncHTTPTransport):
    """httpx2's transport, its connection pool on the guarded backend, without proxies (a transport
    knows none: the client picks them, and does not where it is given a transport)."""

    def __init__(self) -> None:
        super().__init__()
        if not isinstance(getattr(self, "_pool", None), httpcore2.AsyncConnectionPool):
            raise RuntimeError("httpx2's transport no longer keeps its pool in _pool: the guard cannot be fitted")
        self._pool = httpcore2.AsyncConnectionPool(
            ssl_context=httpx2.create_ssl_context(trust_env=True),  # SSL_CERT_FILE and SSL_CERT_DIR count
            network_backend=GuardedBackend(),
        )
