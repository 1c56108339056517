"""The registries the server's tools reach, opened from its settings.

- `open_registry`: the server's own registry: the embedded one without an API key, else the
  cloud's, with the server's key, or in `--auth keys` mode with each HTTP caller's own
  (`CallerKeyTransport`). The server's lifespan holds it as a `ServedRegistry`, opened on first
  use, so that start-up pays neither for the client's code nor for opening the database.
- `open_public_registry`: the official MCP Registry or its mirror, for the call that reads it.

Both have the limits the settings give (deadline, connect timeout, size limit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx2
from mcp.server.auth.middleware.auth_context import get_access_token

from registry_mcp.registry import endpoints
from registry_mcp.urls import require_safe_base_url

if TYPE_CHECKING:
    from registry_mcp.public_registry.client import PublicRegistry
    from registry_mcp.registry.client import RegistryClient
    from registry_mcp.settings import Settings


class ServedRegistry:
    """The server's registry for one connection (the lifespan's context), opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: RegistryClient | None = None

    @property
    def client(self) -> RegistryClient:
        if self._client is None:
            import sqlite3

            from registry_mcp.errors import DatabaseUnusable, LocalRefusal

            try:
                self._client = open_registry(self._settings)
            except (OSError, sqlite3.Error, DatabaseUnusable) as failure:  # the embedded registry's file
                raise LocalRefusal(
                    f"Could not open {self._settings.location}: {failure}. Check the file it names "
                    "(REGISTRY_MCP_DB, or --db), then try again."
                ) from None
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def open_registry(settings: Settings) -> RegistryClient:
    """A client of the registry `settings` name."""
    # Imported here: the server starts without the client's code, until a call needs it.
    from registry_mcp.registry.client import RegistryClient
    from registry_mcp.registry.transport import network_transport

    if settings.embedded:
        return RegistryClient.embedded(settings.location.path or ":memory:", project=settings.project)
    transport = None
    if settings.keys_from_callers:
        require_safe_base_url(settings.base_url)  # the callers' keys are as secret as the server's
        transport = CallerKeyTransport(network_transport(settings.base_url))
    return RegistryClient(
        settings.api_key,
        base_url=settings.base_url,
        project=settings.project,
        timeout=settings.timeout,
        connect_timeout=settings.connect_timeout,
        max_response_bytes=settings.max_response_bytes,
        transport=transport,
    )


def open_public_registry(settings: Settings) -> PublicRegistry:
    """A client of the public registry, with the same limits as the registry's."""
    # Imported here: only the calls that read the public registry need its code.
    from registry_mcp.public_registry.client import PublicRegistry

    return PublicRegistry(
        settings.public_registry_url,
        timeout=settings.timeout,
        connect_timeout=settings.connect_timeout,
        max_response_bytes=settings.max_response_bytes,
    )


class CallerKeyTransport(httpx2.AsyncBaseTransport):
    """Sends each registry request with the API key of the HTTP caller it is made for."""

    def __init__(self, inner: httpx2.AsyncBaseTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        caller = get_access_token()
        if caller is None:  # every HTTP request is authenticated first: a request outside one is a bug
            from registry_mcp.errors import AuthenticationError

            raise AuthenticationError("No caller's API key to send this registry request with")
        request.headers[endpoints.API_KEY_HEADER] = caller.token
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()
