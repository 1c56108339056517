"""`PublicRegistry`: the read API (`v0.1`) of the official MCP Registry, or of a mirror of it.

    async with PublicRegistry() as public:
        hits = await public.search("filesystem")                 # [{"server": {...}, "_meta": {...}}, ...]
        record = await public.get("io.github.github/github-mcp-server")   # its latest server.json

Requests go through `RegistryHttp` (`registry_mcp.registry.client`) and its `BoundedTransport`, so they
have the same deadline, connect timeout, size limit, retries and errors as every registry read.
Nothing is sent but the query: no key, no project.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

import httpx2

from registry_mcp.errors import NotInPublicRegistry, ServerNotFound, UnexpectedResponse
from registry_mcp.registry.client import RegistryHttp
from registry_mcp.registry.endpoints import DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT
from registry_mcp.urls import DEFAULT_PUBLIC_REGISTRY_URL, require_trusted_url

if TYPE_CHECKING:
    from types import TracebackType

API = "/v0.1"
MAX_LIMIT = 100  # the most one page of the official registry holds

# A server's name in the official MCP Registry: reverse-DNS namespace, one '/', then the name
# (the registry's server.schema.json pattern, with at least one dot in the namespace).
PUBLIC_NAME = re.compile(r"^[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+/[a-zA-Z0-9._-]+$")


def is_public_name(text: str) -> bool:
    """Whether `text` has the form of a name in the official MCP Registry (io.github.owner/name)."""
    return len(text) <= 200 and PUBLIC_NAME.match(text) is not None


__all__ = ["DEFAULT_PUBLIC_REGISTRY_URL", "NotInPublicRegistry", "PublicRegistry", "require_trusted_url"]


class PublicRegistry:
    """The public registry's read endpoints: search, one server's versions, one version's record."""

    def __init__(
        self,
        base_url: str = DEFAULT_PUBLIC_REGISTRY_URL,
        *,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        require_trusted_url(base_url)
        self.base_url = base_url.rstrip("/")
        self._http = RegistryHttp(
            self.base_url,
            headers={"Accept": "application/json"},
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_response_bytes=max_response_bytes,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._http.aclose()

    async def search(self, text: str, limit: int = MAX_LIMIT) -> list[dict[str, Any]]:
        """The latest version of each server whose name contains `text` (one page of at most `limit`)."""
        params = {"search": text, "limit": limit, "version": "latest"}
        body = await self._http.send("GET", f"{API}/servers", f"search the public registry for {text!r}", params=params)
        return _entries(body, f"the search for {text!r}")

    async def versions(self, name: str) -> list[dict[str, Any]]:
        """Every published version of the server `name`, newest first."""
        body = await self._read(f"{API}/servers/{_segment(name)}/versions", f"list the versions of '{name}'", name)
        return _entries(body, f"the versions of '{name}'")

    async def get(self, name: str, version: str = "latest") -> dict[str, Any]:
        """One version's entry (`{"server": <server.json>, "_meta": {...}}`); `latest` by default."""
        path = f"{API}/servers/{_segment(name)}/versions/{_segment(version)}"
        body = await self._read(path, f"read '{name}' version '{version}'", name)
        if not isinstance(body, dict) or not isinstance(body.get("server"), dict):
            raise UnexpectedResponse(f"The public registry's answer for '{name}' holds no server record")
        return body

    async def _read(self, path: str, operation: str, name: str) -> Any:
        try:
            return await self._http.send("GET", path, operation)
        except ServerNotFound:
            raise NotInPublicRegistry(
                f"'{name}' is not in the public registry at {self.base_url}", status=404
            ) from None


def _segment(text: str) -> str:
    # Server names hold a '/', which is part of the path segment, not a separator.
    return quote(text, safe="")


def _entries(body: Any, what: str) -> list[dict[str, Any]]:
    servers = body.get("servers") if isinstance(body, dict) else None
    if not isinstance(servers, list):
        raise UnexpectedResponse(f"The public registry's answer for {what} has no 'servers' list")
    return [entry for entry in servers if isinstance(entry, dict) and isinstance(entry.get("server"), dict)]
