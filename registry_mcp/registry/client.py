"""`RegistryClient`: one async client for the cloud registry and the embedded one.

    async with RegistryClient(api_key="...") as registry:            # Enkrypt AI's cloud registry
        server = await registry.add_server({"saved_name": "files", "mcp_config": {...}})

    async with RegistryClient.embedded("registry.db") as registry:   # a local SQLite registry
        page = await registry.list_servers()

Both speak the same HTTP API through httpx2; the embedded registry is reached in-process through
`httpx2.ASGITransport`, with no socket. How each call is made comes from `registry_mcp.registry.endpoints`;
every request goes through `BoundedTransport` (`registry_mcp.registry.transport`: retries, one deadline
for the whole call, a size limit), and `RegistryHttp` reads its answer or says what went wrong. A modify
the registry cannot apply itself is merged here (`registry_mcp.registry.merging`).
"""

from __future__ import annotations

import json as jsonlib
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx2
from pydantic import TypeAdapter, ValidationError

from registry_mcp.errors import (
    AnswerTooLarge,
    AuthenticationError,
    CallersKeyRefused,
    InvalidRequest,
    RateLimited,
    RegistryError,
    RegistryTimeout,
    RegistryUnavailable,
    RegistryUnreachable,
    ResponseTooLarge,
    ServerConflict,
    ServerNotFound,
    UnexpectedResponse,
)
from registry_mcp.registry import endpoints, merging
from registry_mcp.registry.endpoints import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    RegistryLocation,
)
from registry_mcp.registry.models import (
    DEFAULT_SERVER_VERSION,
    BulkAddRequest,
    Gateway,
    GatewayConfig,
    RegistryServer,
    ServerChanges,
    ServerPage,
    ServerPayload,
)
from registry_mcp.registry.retries import DEFAULT_RETRIES, NO_RETRIES, RetryPolicy
from registry_mcp.registry.transport import (
    ATTEMPTS,
    OPERATION,
    BoundedTransport,
    Limits,
    network_transport,
    retry_after,
)
from registry_mcp.registry.validation import checked, describe_validation_error
from registry_mcp.secrets.masking import MASK, find_mask, secret_values
from registry_mcp.secrets.scrubbing import Scrubber, scrub_json
from registry_mcp.urls import require_safe_base_url
from registry_mcp.wording import counted

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from types import TracebackType

    from registry_mcp.registry.embedded.store import RegistryStore

T = TypeVar("T")

__all__ = [
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "RegistryClient",
    "RegistryHttp",
    "RegistryLocation",
    "connection_failure",
    "refuse_masks",
    "require_safe_base_url",
]

# An error's text is quoted only in part: no more of it than this.
MAX_QUOTED = 300
EMBEDDED_BASE_URL = "http://embedded.registry"

_STATUS_ERRORS: dict[int, tuple[type[RegistryError], str]] = {
    400: (InvalidRequest, "the registry refused the request as malformed"),
    401: (AuthenticationError, "the API key was refused"),
    403: (AuthenticationError, "the API key has no access to this project or registry"),
    404: (ServerNotFound, "no such server"),
    409: (ServerConflict, "a server with this saved_name and server_version already exists"),
    422: (InvalidRequest, "the registry found the input invalid"),
    429: (RateLimited, "too many requests"),
}
_SERVER = TypeAdapter(RegistryServer)
_SERVERS = TypeAdapter(list[RegistryServer])
_PAGE = TypeAdapter(ServerPage)
_GATEWAYS = TypeAdapter(list[Gateway])
_GATEWAY_CONFIG = TypeAdapter(GatewayConfig)


class RegistryHttp:
    """One registry's HTTP API, bounded: each request goes through `BoundedTransport` (retries, one
    deadline of `timeout` seconds for the whole call, at most `max_response_bytes` read), and its
    answer is read as JSON or becomes the `RegistryError` that says what went wrong, naming the
    operation. No answer quotes `secrets` (the keys it sends) on, nor the key a request carried."""

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        secrets: frozenset[str] = frozenset(),
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retry: RetryPolicy = DEFAULT_RETRIES,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.secrets = secrets
        self.limits = Limits(deadline=timeout, max_response_bytes=max_response_bytes, retry=retry)
        # Never follow a redirect: it would carry the apikey header to wherever it points.
        self._http = httpx2.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=httpx2.Timeout(timeout, connect=connect_timeout),
            transport=BoundedTransport(transport or network_transport(base_url), self.limits),
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        shape: endpoints.ResponseShape = "bare",
    ) -> Any:
        """The JSON of the answer to one request (`{}` for an empty one), or the error that says why not."""
        request = self._http.build_request(
            method, path, headers=headers, json=json, params=params, extensions={OPERATION: operation}
        )
        try:
            answer = await self._http.send(request)
        except AnswerTooLarge as too_large:
            declared = f" (it announced {too_large.declared:,})" if too_large.declared is not None else ""
            raise ResponseTooLarge(
                f"Could not {operation}: the registry's answer is larger than "
                f"{self.limits.max_response_bytes:,} bytes{declared}",
                status=too_large.status,
                paged=endpoints.PER_PAGE_PARAM in (params or {}),
            ) from None
        except httpx2.TransportError as failure:
            raise self._transport_error(failure, operation, request.extensions.get(ATTEMPTS, 1)) from None
        attempts = request.extensions.get(ATTEMPTS, 1)
        # What the registry must not be quoted saying: the key this request carried (the server's, or
        # in keys mode the caller's, which the transport put in), and the secrets of the record sent.
        sent = _key_sent(request)
        keys = self.secrets | sent
        if not 200 <= answer.status_code < 300:
            scrubber = Scrubber(secret_values(json), keys=keys)
            # A key the transport put in, not the client's own, is an HTTP caller's (`--auth keys`).
            raise _status_error(answer, operation, attempts, scrubber, callers_key=bool(sent - self.secrets))
        if not answer.content:  # a 204, or any answer without a body
            return {}
        try:
            # UTF-8, as JSON between systems must be (RFC 8259): a UTF-16 or UTF-32 answer is refused,
            # not read in an encoding that could hide an echoed key from the check below.
            payload = _payload(shape, jsonlib.loads(answer.content.decode("utf-8-sig", "surrogatepass")))
        except (ValueError, RecursionError):
            raise UnexpectedResponse(
                f"Could not {operation}: the registry's answer is not JSON in UTF-8", status=answer.status_code
            ) from None
        scrubber = Scrubber(keys=keys)
        # The texts as read, not as sent: `\uXXXX` escapes of some of a key's characters are gone here.
        if scrubber and scrubber.finds(jsonlib.dumps(payload, ensure_ascii=False)):
            # A registry that echoes the key anywhere in an answer (a text, a field's name), in any
            # form: nothing read from it, nor a shape error naming its fields, may carry the key on.
            payload = scrub_json(payload, scrubber)
        return payload

    def _transport_error(self, failure: Exception, operation: str, attempts: int) -> RegistryError:
        tries = _tries(attempts)
        if isinstance(failure, httpx2.TimeoutException) and not isinstance(failure, httpx2.ConnectTimeout):
            return RegistryTimeout(
                f"Could not {operation}: the registry did not answer in time: its whole answer must arrive "
                f"within {self.limits.deadline:g} s{tries}"
            )
        return RegistryUnreachable(f"Could not {operation}: {connection_failure(failure, self.base_url)}{tries}")


class RegistryClient:
    """The Enkrypt AI MCP Registry API, one method per endpoint.

    Every method raises a `RegistryError` subclass on failure (see `registry_mcp.errors`); input is
    checked against the payload models before anything is sent. Each call must be answered whole
    within `timeout` seconds, its retries included (None: no deadline), and in at most
    `max_response_bytes`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str = endpoints.DEFAULT_BASE_URL,
        project: str | None = None,
        registry: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        retry: RetryPolicy = DEFAULT_RETRIES,
        transport: httpx2.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if api_key:
            require_safe_base_url(base_url)
            headers[endpoints.API_KEY_HEADER] = api_key
        if project:
            headers[endpoints.PROJECT_HEADER] = project
        if registry:
            headers[endpoints.REGISTRY_HEADER] = registry
        self._http = RegistryHttp(
            base_url,
            headers=headers,
            # What no message from the registry may carry on (see `_status_error`).
            secrets=frozenset({api_key} if api_key else ()),
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_response_bytes=max_response_bytes,
            retry=retry,
            transport=transport,
        )
        self.location = RegistryLocation(
            kind="cloud", project=project or endpoints.DEFAULT_PROJECT, base_url=self._http.base_url
        )
        self._scope = (project, registry)
        self._registry_merges = endpoints.ENDPOINTS["modify"].merges
        # Only the embedded registry applies registry-mcp's mask and target rules itself.
        self._applies_modify = False
        self._store: RegistryStore | None = None

    @classmethod
    def embedded(cls, path: str | Path = ":memory:", *, project: str | None = None) -> Self:
        """A client of an embedded registry kept in the SQLite file at `path` (or in memory)."""
        # Imported here: a cloud client never needs the embedded registry's code.
        from registry_mcp.registry.embedded import RegistryStore, create_app

        store = RegistryStore(path)
        # A crash inside the app becomes the 500 a served registry would answer, not an exception here.
        transport = httpx2.ASGITransport(app=create_app(store), raise_app_exceptions=False)
        # No deadline: a write runs to its end in a worker thread, whatever the caller stops waiting for.
        client = cls(base_url=EMBEDDED_BASE_URL, project=project, timeout=None, retry=NO_RETRIES, transport=transport)
        client.location = RegistryLocation(kind="embedded", project=client.location.project, path=store.path)
        client._store = store
        client._registry_merges = client._applies_modify = True
        return client

    def __repr__(self) -> str:
        return f"<RegistryClient {self.location}>"

    @property
    def secrets(self) -> frozenset[str]:
        """The API key it sends, if any: what no text from elsewhere (an inspected server's) may carry."""
        return self._http.secrets

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._store is not None:
            self._store.close()

    # --- the endpoints --------------------------------------------------------------------------

    async def add_server(self, server: ServerPayload | Mapping[str, Any]) -> RegistryServer:
        """Register one server. Raises `ServerConflict` if its name and version are taken."""
        payload = checked(ServerPayload, server, what="server")
        sent = refuse_masks(payload.to_api())
        body = await self._call("add", f"add server '{payload.saved_name}'", json=sent)
        return _parse(_SERVER, body, what="the added server")

    async def bulk_add_servers(self, servers: Sequence[ServerPayload | Mapping[str, Any]]) -> list[RegistryServer]:
        """Register up to 100 servers at once: all of them, or (on any failure) none."""
        request = checked(BulkAddRequest, {"servers": list(servers)}, what="bulk add")
        sent = refuse_masks(request.to_api())
        body = await self._call("bulk_add", f"add {counted(len(request.servers), 'server')}", json=sent)
        return _parse(_SERVERS, body, what="the added servers")

    async def get_server(self, saved_name: str, server_version: str = DEFAULT_SERVER_VERSION) -> RegistryServer:
        body = await self._call(
            "get", _describe("get", saved_name, server_version), server=(saved_name, server_version)
        )
        return _parse(_SERVER, body, what="the server")

    async def modify_server(
        self,
        saved_name: str,
        server_version: str = DEFAULT_SERVER_VERSION,
        changes: ServerChanges | Mapping[str, Any] | None = None,
        *,
        replace_mcp_config: bool = False,
    ) -> RegistryServer:
        """Change the fields given in `changes`; the others keep their stored values.

        `changes` is a JSON merge patch (see `registry_mcp.registry.patching`): an `mcp_config` in it is
        merged into the stored one (`null` removes a key, lists replace), a mask keeps the stored
        value at its place, and stored secrets do not follow a change of the server's target. With
        `replace_mcp_config` the given `mcp_config` replaces the stored one instead.

        The embedded registry applies all of this inside its write's transaction. Otherwise the
        client reads the server, applies it, and sends each changed field whole, serialising the
        modifies of one server within this process and re-reading the server just before writing
        (merging again if it changed).
        """
        body = checked(ServerChanges, changes or {}, what="changes").to_api()
        if not body:
            raise InvalidRequest("Nothing to modify: give at least one field to change")
        # The exact mask stands for a stored secret (restored, or refused, where the change is
        # applied); a variant of it stands for nothing and would be written as the value.
        refuse_masks(body, what="changes", variants_only=True)
        operation = _describe("modify", saved_name, server_version)
        server = (saved_name, server_version)
        patch = self._patch_without_reading(body, replace_mcp_config=replace_mcp_config)
        if patch is not None:
            answer = await self._call("modify", operation, server=server, json=patch)
            return _parse(_SERVER, answer, what="the modified server")

        async def read() -> dict[str, Any]:
            return (await self.get_server(*server)).to_api()

        async with merging.one_at_a_time((self.location.base_url, self.location.path, *self._scope, *server)):
            sent = await merging.merged(
                read,
                body,
                operation=operation,
                replace_mcp_config=replace_mcp_config,
                registry_merges=self._registry_merges,
            )
            answer = await self._call("modify", operation, server=server, json=sent)
        return _parse(_SERVER, answer, what="the modified server")

    def _patch_without_reading(self, body: dict[str, Any], *, replace_mcp_config: bool) -> dict[str, Any] | None:
        """What to send for `body` without reading the server first, or None if it must be read."""
        if replace_mcp_config:
            return None  # a whole new mcp_config needs a null for each stored key it drops
        if self._applies_modify:
            return body
        if self._registry_merges and not merging.needs_stored(body):
            return body
        return None

    async def delete_server(self, saved_name: str, server_version: str = DEFAULT_SERVER_VERSION) -> str:
        """Delete a server (a soft delete: it is gone from every read). Returns the registry's message."""
        body = await self._call(
            "delete", _describe("delete", saved_name, server_version), server=(saved_name, server_version)
        )
        message = body.get("message") if isinstance(body, dict) else None  # a "message" shape: body is whole
        return str(message) if message else f"Deleted '{saved_name}' version '{server_version}'"

    async def list_servers(self, page: int = 1, per_page: int = 20, is_active: bool | None = None) -> ServerPage:
        """One page of the registry's servers, with the total count."""
        if page < 1 or not 1 <= per_page <= endpoints.MAX_PER_PAGE:
            raise InvalidRequest(f"page must be at least 1 and per_page from 1 to {endpoints.MAX_PER_PAGE}")
        params: dict[str, Any] = {endpoints.PAGE_PARAM: page, endpoints.PER_PAGE_PARAM: per_page}
        if is_active is not None:
            params[endpoints.IS_ACTIVE_PARAM] = "true" if is_active else "false"
        body = await self._call("list", "list servers", params=params)
        return _parse(_PAGE, body, what="the server list")

    async def list_gateways(self, saved_name: str, server_version: str = DEFAULT_SERVER_VERSION) -> list[Gateway]:
        """The gateways that reference a server."""
        body = await self._call(
            "list_gateways",
            _describe("list the gateways of", saved_name, server_version),
            server=(saved_name, server_version),
        )
        return _parse(_GATEWAYS, body, what="the gateway list")

    async def gateway_config(self, gateway_name: str, gateway_version: str) -> GatewayConfig:
        """A gateway's config as secure-mcp-gateway fetches it in cloud mode (get-gateway-config):
        `common_overrides` and `expanded_servers`, each server with this gateway's overrides."""
        body = await self._call(
            "gateway_config",
            f"read the config of gateway '{gateway_name}' version '{gateway_version}'",
            server=(gateway_name, gateway_version),
        )
        return _parse(_GATEWAY_CONFIG, body, what="the gateway config")

    # --- one HTTP exchange ----------------------------------------------------------------------

    async def _call(
        self,
        action: endpoints.Action,
        operation: str,
        *,
        server: tuple[str, str] | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        endpoint = endpoints.ENDPOINTS[action]
        headers, params, json = _select(endpoint.selector, server, params, json)
        return await self._send(
            endpoint.method,
            endpoint.path,
            operation,
            headers=headers,
            json=json,
            params=params,
            shape=endpoint.response,
        )

    async def get_json(
        self,
        path: str,
        operation: str,
        params: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET `path` (below the base URL) and read its JSON answer, with the protections of every
        call: the deadline, the size limit, retries for reads, and errors that name the operation."""
        return await self._send("GET", path, operation, params=params, headers=headers)

    async def query_json(self, path: str, operation: str, body: Any) -> Any:
        """POST a query (a read, such as OSV's) and read its JSON answer, with the same protections."""
        return await self._send("POST", path, operation, json=body)

    async def _send(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        shape: endpoints.ResponseShape = "bare",
    ) -> Any:
        return await self._http.send(method, path, operation, headers=headers, json=json, params=params, shape=shape)


def connection_failure(failure: Exception, where: str) -> str:
    """What went wrong connecting to `where`, in words (httpx's own name the exception and quote the OS)."""
    if isinstance(failure, httpx2.ConnectTimeout):
        return f"connecting to {where} timed out"
    if isinstance(failure, httpx2.ProxyError):
        return f"the proxy refused the connection to {where}"
    if isinstance(failure, httpx2.ConnectError):
        return f"could not connect to {where}"
    return f"the connection to {where} was lost"


def refuse_masks(body: dict[str, Any], *, what: str = "server", variants_only: bool = False) -> dict[str, Any]:
    """`body`, unless the mask, in any variant, stands in it for a value: the one check of add, bulk
    add and validate; modify refuses the variants (`variants_only`), its exact masks standing for
    stored secrets."""
    path = find_mask(body, variants_only=variants_only)
    if path is not None:
        raise InvalidRequest(
            f"Invalid {what}: {path}: holds the mask {MASK!r} (or a variant of it), not a value; send the real value"
        )
    return body


def _select(
    selector: endpoints.Selector, server: tuple[str, str] | None, params: Mapping[str, Any] | None, json: Any
) -> tuple[dict[str, str], Mapping[str, Any] | None, Any]:
    """The headers, query parameters and body of a call naming `server` the way the endpoint table says."""
    if server is None or selector == "none":
        return {}, params, json
    if selector == "gateway":
        return {endpoints.GATEWAY_HEADER: server[0], endpoints.GATEWAY_VERSION_HEADER: server[1]}, params, json
    if selector == "headers":
        return {endpoints.SERVER_HEADER: server[0], endpoints.VERSION_HEADER: server[1]}, params, json
    named = {endpoints.SAVED_NAME_FIELD: server[0], endpoints.VERSION_FIELD: server[1]}
    if selector == "query":
        return {}, {**(params or {}), **named}, json
    return {}, params, {**named, **(json or {})}


def _tries(attempts: int) -> str:
    return f" (tried {attempts} times)" if attempts > 1 else ""


def _describe(verb: str, saved_name: str, server_version: str) -> str:
    return f"{verb} server '{saved_name}' version '{server_version}'"


def _key_sent(request: httpx2.Request) -> frozenset[str]:
    key = request.headers.get(endpoints.API_KEY_HEADER)
    return frozenset({key}) if key else frozenset()


def _payload(shape: endpoints.ResponseShape, body: Any) -> Any:
    """What an answer of the given shape carries: the `data` of an envelope, else the body itself."""
    if shape == "envelope" and isinstance(body, dict) and "data" in body:
        return body["data"]
    return body


def _parse(shape: TypeAdapter[T], body: Any, *, what: str) -> T:
    try:
        return shape.validate_python(body)
    except ValidationError as invalid:
        problems = "; ".join(describe_validation_error(invalid, limit=5))
        raise UnexpectedResponse(f"The registry's answer for {what} is not in the expected shape: {problems}") from None


def _status_error(
    answer: httpx2.Response, operation: str, attempts: int, scrubber: Scrubber, *, callers_key: bool
) -> RegistryError:
    status = answer.status_code
    if 300 <= status < 400 and "Location" in answer.headers:
        location = scrubber(answer.headers["Location"])
        return UnexpectedResponse(
            f"Could not {operation}: the registry redirected to {location!r}, which is "
            "not followed so that the API key is not sent elsewhere; set ENKRYPT_BASE_URL to the registry's own URL",
            status=status,
        )
    registry_message = _registry_message(answer.content, scrubber)
    error_class, reason = _STATUS_ERRORS.get(status, (RegistryError, "the registry refused the request"))
    if status >= 500:
        error_class, reason = RegistryUnavailable, "the registry failed to answer"
    if error_class is AuthenticationError and callers_key:
        error_class = CallersKeyRefused
    message = f"Could not {operation}: {reason}{_tries(attempts)}"
    if error_class is RateLimited:
        return RateLimited(
            message, status=status, registry_message=registry_message, retry_after=retry_after(answer.headers)
        )
    return error_class(message, status=status, registry_message=registry_message)


def _registry_message(content: bytes, scrubber: Scrubber) -> str | None:
    """The registry's own words: `message`, then `detail`, then the raw text (other than a message
    text, shortened). Scrubbed before it is shortened, so no part of a secret survives the cut."""
    # As UTF-8 whatever it claims: a UTF-16 key is then a NUL between its characters, a form scrubbed.
    text = content.decode("utf-8", "replace").strip()
    try:
        body = jsonlib.loads(text)
    except (ValueError, RecursionError):
        return scrubber(text)[:MAX_QUOTED] or None
    if isinstance(body, dict):
        body = next((body[key] for key in ("message", "detail", "error") if body.get(key)), body)
    if isinstance(body, str):
        return scrubber(body) or None
    try:
        # Each text scrubbed before rendering escapes it: a secret quoted as JSON inside one is caught too.
        rendered = str(scrub_json(body, scrubber))
    except RecursionError:
        rendered = text
    return scrubber(rendered)[:MAX_QUOTED] or None
