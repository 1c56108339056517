"""The generic MCP Registry API (`v0.1`, read-only) beside `/mcp`, so IDEs can take the registry as
their allowlist (GitHub Copilot's "MCP Registry URL", VS Code's custom registry):

    GET /v0.1/servers                                   cursor, limit, search, updated_since, version
    GET /v0.1/servers/{serverName}/versions             every version, newest first
    GET /v0.1/servers/{serverName}/versions/{version}   one version, or `latest`

Only active servers are listed, each as the `server.json` `registry_mcp.public_registry.serving`
builds; the records are read through the server's one `RegistryClient` (embedded or cloud alike)
and kept `CATALOG_SECONDS`, per caller where each caller brings their own key (while one request reads
it again, the others get the one before). Every answer under
`/v0.1`, and the CORS preflight, carries the CORS headers browsers need: the API holds no secret,
and the credentials (when required) travel in `Authorization`, never in cookies.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

import anyio
import anyio.to_thread
from mcp.server.auth.middleware.auth_context import get_access_token

from registry_mcp.errors import CatalogQueryError, RegistryError
from registry_mcp.mcp.registries import open_registry
from registry_mcp.public_registry.serving import Catalog, Query, build_catalog, find, list_page, versions_of
from registry_mcp.registry.endpoints import MAX_PER_PAGE
from registry_mcp.registry.models import RegistryServer

if TYPE_CHECKING:
    from collections.abc import Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from registry_mcp.registry.client import RegistryClient
    from registry_mcp.settings import Settings

PREFIX = "/v0.1"
# How long a catalog read from the registry is served before it is read again; while one request reads
# it again, the others are answered from the one before (a read of 10,000 entries takes seconds).
CATALOG_SECONDS = 30.0
MAX_CATALOGS = 64  # callers' catalogs kept at once (with --auth keys, one per key)
MAX_SERVERS = 100_000  # the most servers read into one catalog
CORS_HEADERS = (
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, OPTIONS"),
    (b"access-control-allow-headers", b"Authorization, Content-Type"),
)
logger = logging.getLogger(__name__)


async def read_servers(registry: RegistryClient) -> list[RegistryServer]:
    """Every active server of the registry, page by page."""
    servers: list[RegistryServer] = []
    page = 1
    while len(servers) < MAX_SERVERS:
        listed = await registry.list_servers(page=page, per_page=MAX_PER_PAGE, is_active=True)
        servers += listed.data
        if not listed.data or len(servers) >= listed.pagination.total:
            break
        page += 1
    return servers


async def read_catalog(registry: RegistryClient, namespace: str) -> Catalog:
    servers = await read_servers(registry)
    # Building thousands of records takes a while: on a worker thread, the server keeps answering meanwhile.
    return await anyio.to_thread.run_sync(build_catalog, servers, namespace)


@dataclass
class _Kept:
    catalog: Catalog
    until: float


class RegistryApi:
    """The `/v0.1` routes (an ASGI app), answered from a catalog of the registry `settings` names."""

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._settings = settings
        self._clock = clock
        self._kept: dict[str, _Kept] = {}
        self._lock = anyio.Lock()

    async def catalog(self) -> Catalog:
        """The caller's catalog: read again once `CATALOG_SECONDS` have passed."""
        caller = get_access_token()
        # Each caller's own key reads its own registry; every other mode reads the server's one.
        key = hashlib.sha256(caller.token.encode()).hexdigest() if self._settings.keys_from_callers and caller else ""
        kept = self._kept.get(key)
        if kept is not None and (kept.until > self._clock() or self._lock.locked()):
            return kept.catalog  # fresh, or being read again by another request meanwhile
        async with self._lock:  # one read at a time: callers that waited get the one just read
            kept = self._kept.get(key)
            if kept is not None and kept.until > self._clock():
                return kept.catalog
            async with open_registry(self._settings) as registry:
                catalog = await read_catalog(registry, self._settings.catalog_namespace)
            self._kept[key] = _Kept(catalog, self._clock() + CATALOG_SECONDS)
            while len(self._kept) > MAX_CATALOGS:
                self._kept.pop(next(iter(self._kept)))
            return catalog

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await _answer(send, 405, {"error": "This registry is read-only: only GET is served"}, allow=b"GET, OPTIONS")
            return
        raw = scope.get("raw_path") or scope["path"].encode()
        path = raw.decode("latin-1").split("?", 1)[0]
        params = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        try:
            status, body = await self._route(path[len(PREFIX) :], params)
        except CatalogQueryError as wrong:
            status, body = 400, {"error": str(wrong)}
        except RegistryError as failure:
            logger.warning("Could not read the registry for %s: %s", path, type(failure).__name__)
            status, body = 502, {"error": f"The registry could not be read: {failure}"}
        await _answer(send, status, body, head=scope["method"] == "HEAD")

    async def _route(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if path in ("/servers", "/servers/"):
            query = Query.read(params)  # checked before the registry is read
            return 200, list_page(await self.catalog(), query)
        if path.startswith("/servers/"):
            rest = path[len("/servers/") :]
            if rest.endswith("/versions"):
                name = unquote(rest[: -len("/versions")])
                found = versions_of(await self.catalog(), name)
                if not found:
                    return 404, {"error": "Server not found"}
                return 200, {"servers": [entry.response() for entry in found], "metadata": {"count": len(found)}}
            head, separator, version = rest.rpartition("/versions/")
            if separator and head and version:
                entry = find(await self.catalog(), unquote(head), unquote(version))
                if entry is None:
                    return 404, {"error": "Server not found"}
                return 200, entry.response()
        return 404, {"error": "No such endpoint: this registry serves GET /v0.1/servers and its versions"}


async def _answer(
    send: Send, status: int, body: dict[str, Any], *, head: bool = False, allow: bytes | None = None
) -> None:
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    if allow:
        headers.append((b"allow", allow))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else content})


def with_cors(app: ASGIApp) -> ASGIApp:
    """`app` with the CORS headers on every answer (a 401 too), and the preflight answered before
    any credentials are asked for: a browser sends none with it."""

    async def cors(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = [*CORS_HEADERS, (b"access-control-max-age", b"86400"), (b"content-length", b"0")]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                kept = [(name, value) for name, value in headers if not name.startswith(b"access-control-")]
                message = {**message, "headers": [*kept, *CORS_HEADERS]}
            await send(message)

        await app(scope, receive, send_with_cors)

    return cors


def beside(mcp_app: ASGIApp, api: ASGIApp) -> ASGIApp:
    """One app: `/v0.1` and below go to `api`, everything else (the lifespan too) to `mcp_app`."""

    async def routed(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] == "http" and (path == PREFIX or path.startswith(PREFIX + "/")):
            await api(scope, receive, send)
        else:
            await mcp_app(scope, receive, send)

    return routed
