"""`RegistryClient`: one async client for the cloud registry and the embedded one.

    async with RegistryClient(api_key="...") as registry:            # Enkrypt AI's cloud registry
        server = await registry.add_server({"saved_name": "files", "mcp_config": {...}})

    async with RegistryClient.embedded("registry.db") as registry:   # a local SQLite registry
        page = await registry.list_servers()

Both speak the same HTTP API through httpx2; the embedded registry is reached in-process through
`httpx2.ASGITransport`, with no socket. How each call is made comes from `registry_mcp.registry.endpoints`.
"""

from __future__ import annotations

import json as jsonlib
import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

import anyio
import httpx2
from pydantic import BaseModel, TypeAdapter, ValidationError

from registry_mcp.errors import (
    AuthenticationError,
    CallersKeyRefused,
    InvalidRequest,
    ModifyRefused,
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
from registry_mcp.registry import endpoints
from registry_mcp.registry.models import (
    DEFAULT_SERVER_VERSION,
    BulkAddRequest,
    Gateway,
    GatewayConfig,
    McpConfig,
    RegistryServer,
    ServerChanges,
    ServerPage,
    ServerPayload,
)
from registry_mcp.registry.patching import apply_modify, full_patch, may_move
from registry_mcp.registry.retries import DEFAULT_RETRIES, NO_RETRIES, RETRYABLE_STATUSES, RetryPolicy
from registry_mcp.registry.validation import describe_validation_error
from registry_mcp.secrets.masking import MASK, escaped_forms, find_mask, scrub, secret_values
from registry_mcp.urls import is_loopback
from registry_mcp.wording import counted

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping, Sequence
    from pathlib import Path
    from types import TracebackType

    from registry_mcp.registry.embedded.store import RegistryStore

ModelT = TypeVar("ModelT", bound=BaseModel)
T = TypeVar("T")

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 30.0
"""Seconds for one whole request: connecting, sending, and reading the complete answer."""
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024
# An error's text is only quoted in part: no more of it is read than this, nor quoted than that.
ERROR_BODY_BYTES = 64 * 1024
MAX_QUOTED = 300
EMBEDDED_BASE_URL = "http://embedded.registry"
# How often a modify merges again when the server changed between reading and writing it.
MERGE_ATTEMPTS = 5

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


@dataclass(frozen=True, slots=True)
class RegistryLocation:
    """Which registry a client talks to, safe to show (it holds no secret)."""

    kind: Literal["cloud", "embedded"]
    project: str
    base_url: str | None = None
    path: str | None = None

    def __str__(self) -> str:
        if self.kind == "embedded":
            return f"the embedded registry in {self.path} (project '{self.project}')"
        return f"the Enkrypt AI registry at {self.base_url} (project '{self.project}')"


class RegistryClient:
    """The Enkrypt AI MCP Registry API, one method per endpoint.

    Every method raises a `RegistryError` subclass on failure (see `registry_mcp.errors`); input is
    checked against the payload models before anything is sent. Each request must be answered
    whole within `timeout` seconds (None: no deadline) and in at most `max_response_bytes`.
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
        self._base_url = base_url.rstrip("/")
        self.location = RegistryLocation(
            kind="cloud", project=project or endpoints.DEFAULT_PROJECT, base_url=self._base_url
        )
        self._retry = retry
        self._deadline = timeout
        self._max_response_bytes = max_response_bytes
        # What no message from the registry may carry on (see `_status_error`).
        self._secrets = frozenset({api_key} if api_key else ())
        self._scope = (project, registry)
        self._registry_merges = endpoints.ENDPOINTS["modify"].merges
        # Only the embedded registry applies registry-mcp's mask and target rules itself.
        self._applies_modify = False
        # Never follow a redirect: it would carry the apikey header to wherever it points.
        self._http = httpx2.AsyncClient(
            base_url=base_url,
            headers=headers,
            timeout=httpx2.Timeout(timeout, connect=connect_timeout),
            transport=transport,
            follow_redirects=False,
        )
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
        return self._secrets

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
        payload = _check(ServerPayload, server, what="server")
        sent = refuse_masks(payload.to_api())
        body = await self._call("add", f"add server '{payload.saved_name}'", json=sent)
        return _parse(_SERVER, body, what="the added server")

    async def bulk_add_servers(self, servers: Sequence[ServerPayload | Mapping[str, Any]]) -> list[RegistryServer]:
        """Register up to 100 servers at once: all of them, or (on any failure) none."""
        request = _check(BulkAddRequest, {"servers": list(servers)}, what="bulk add")
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
        body = _check(ServerChanges, changes or {}, what="changes").to_api()
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
        async with _one_modify_at_a_time((self.location.base_url, self.location.path, *self._scope, *server)):
            stored = (await self.get_server(*server)).to_api()
            for _attempt in range(MERGE_ATTEMPTS):
                wanted = _applied(stored, body, replace_mcp_config=replace_mcp_config)
                latest = (await self.get_server(*server)).to_api()
                if latest == stored:
                    break
                stored = latest  # changed by someone else since it was read: merge again
            else:
                raise RegistryUnavailable(
                    f"Could not {operation}: the server kept changing while the changes were merged "
                    f"({MERGE_ATTEMPTS} attempts); try again"
                )
            sent = {key: wanted.get(key) for key in body}
            if self._registry_merges:
                sent = {key: full_patch(stored.get(key), value) for key, value in sent.items()}
            answer = await self._call("modify", operation, server=server, json=sent)
        return _parse(_SERVER, answer, what="the modified server")

    def _patch_without_reading(self, body: dict[str, Any], *, replace_mcp_config: bool) -> dict[str, Any] | None:
        """What to send for `body` without reading the server first, or None if it must be read."""
        if replace_mcp_config:
            return None  # a whole new mcp_config needs a null for each stored key it drops
        if self._applies_modify:
            return body
        if self._registry_merges and not _needs_stored(body):
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

    async def get_json(self, path: str, operation: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET `path` (below the base URL) and read its JSON answer, with the protections of every
        call: the deadline, the size limit, retries for reads, and errors that name the operation."""
        return await self._send("GET", path, operation, params=params)

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
        is_read = method == "GET"
        request = self._http.build_request(method, path, headers=headers, json=json, params=params)
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = await self._exchange(request)
            except (httpx2.TransportError, TimeoutError) as failure:
                # A failed connect never reached the registry: safe to retry even a write.
                not_sent = isinstance(failure, httpx2.ConnectError | httpx2.ConnectTimeout)
                delay = self._retry.delay(attempt) if is_read or not_sent else None
                if delay is None:
                    raise self._transport_error(failure, operation, attempt) from None
                logger.warning("Retrying %s in %.2f s after %s", operation, delay, type(failure).__name__)
                await anyio.sleep(delay)
                continue
            except _TooLarge as too_large:
                raise ResponseTooLarge(
                    f"Could not {operation}: the registry's answer is larger than {self._max_response_bytes:,} "
                    f"bytes{too_large.declared}",
                    status=too_large.status,
                ) from None
            if is_read and answer.status in RETRYABLE_STATUSES:
                delay = self._retry.delay(attempt, _retry_after(answer.headers))
                if delay is not None:
                    logger.warning("Retrying %s in %.2f s after HTTP %s", operation, delay, answer.status)
                    await anyio.sleep(delay)
                    continue
            break
        # What the registry must not be quoted saying: the key this request carried (the server's, or
        # in keys mode the caller's, which the transport put in), and the secrets of the record sent.
        sent = _key_sent(request)
        keys = self._secrets | sent
        secrets = keys | frozenset(secret_values(json))
        if not 200 <= answer.status < 300:
            # A key the transport put in, not the client's own, is an HTTP caller's (`--auth keys`).
            raise _status_error(answer, operation, attempt, secrets, callers_key=bool(sent - self._secrets))
        if not answer.content:  # a 204, or any answer without a body
            return {}
        try:
            payload = _payload(shape, jsonlib.loads(answer.content))
        except (ValueError, RecursionError):
            raise UnexpectedResponse(
                f"Could not {operation}: the registry's answer is not JSON", status=answer.status
            ) from None
        if _quotes(answer.content, keys):
            # A registry that echoes the key anywhere in an answer (a text, a field's name): nothing
            # read from it, nor a shape error naming its fields, may carry the key on.
            payload = _scrub_texts(payload, keys)
        return payload

    async def _exchange(self, request: httpx2.Request) -> _Answer:
        """Send one request and read its whole answer, within the deadline and the size limit.

        httpx's timeouts bound each read; the deadline bounds the whole exchange, so an answer
        trickling a byte at a time still ends on time. The body is read in chunks and dropped as
        soon as it passes the limit, so a huge answer never sits in memory whole."""
        with anyio.fail_after(self._deadline):
            response = await self._http.send(request, stream=True)
            try:
                if not response.is_success:
                    # Only the start of an error's text is shown: read no more than that.
                    return _Answer(response.status_code, response.headers, await _read(response, ERROR_BODY_BYTES))
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > self._max_response_bytes:
                    raise _TooLarge(response.status_code, int(declared))
                content = await _read(response, self._max_response_bytes, refuse_more=True)
                return _Answer(response.status_code, response.headers, content)
            finally:
                await response.aclose()

    def _transport_error(self, failure: Exception, operation: str, attempts: int) -> RegistryError:
        tries = _tries(attempts)
        if isinstance(failure, TimeoutError | httpx2.TimeoutException) and not isinstance(
            failure, httpx2.ConnectTimeout
        ):
            return RegistryTimeout(
                f"Could not {operation}: the registry did not answer in time: its whole answer must arrive "
                f"within {self._deadline:g} s{tries}"
            )
        return RegistryUnreachable(f"Could not {operation}: {connection_failure(failure, self._base_url)}{tries}")


@dataclass(frozen=True, slots=True)
class _Answer:
    """A registry's answer: status, headers and body (an error's body only as far as it is quoted)."""

    status: int
    headers: httpx2.Headers
    content: bytes


class _TooLarge(Exception):
    """An answer past the size limit, announced as such (`declared`) or found so while reading."""

    def __init__(self, status: int, declared: int | None = None) -> None:
        self.status = status
        self.declared = f" (it announced {declared:,})" if declared is not None else ""


async def _read(response: httpx2.Response, limit: int, *, refuse_more: bool = False) -> bytes:
    """The body, up to `limit` bytes: past it, cut short (or, with `refuse_more`, refused)."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            if refuse_more:
                raise _TooLarge(response.status_code)
            return bytes(body[:limit])
    return bytes(body)


def connection_failure(failure: Exception, where: str) -> str:
    """What went wrong connecting to `where`, in words (httpx's own name the exception and quote the OS)."""
    if isinstance(failure, httpx2.ConnectTimeout):
        return f"connecting to {where} timed out"
    if isinstance(failure, httpx2.ProxyError):
        return f"the proxy refused the connection to {where}"
    if isinstance(failure, httpx2.ConnectError):
        return f"could not connect to {where}"
    return f"the connection to {where} was lost"


def require_safe_base_url(
    base_url: str, *, what: str = "registry", why: str = "so that the API key is never sent in clear text"
) -> None:
    """Refuse to send an API key in clear text: HTTPS, unless the registry is on this machine."""
    url = httpx2.URL(base_url)
    if url.scheme == "https" or (url.scheme == "http" and is_loopback(url.host)):
        return
    raise ValueError(
        f"The {what} URL {base_url!r} must use https:// (plain http:// is allowed only for a loopback "
        f"address such as 127.0.0.1 or localhost), {why}."
    )


_MODIFY_LOCKS: dict[tuple[str | None, ...], tuple[anyio.Lock, int]] = {}


@asynccontextmanager
async def _one_modify_at_a_time(server: tuple[str | None, ...]) -> AsyncIterator[None]:
    """Hold the lock of one server (in this process) while its modify reads, merges and writes."""
    lock, users = _MODIFY_LOCKS.get(server, (anyio.Lock(), 0))
    _MODIFY_LOCKS[server] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _MODIFY_LOCKS[server]
        if users == 1:
            del _MODIFY_LOCKS[server]
        else:
            _MODIFY_LOCKS[server] = (lock, users - 1)


def _needs_stored(body: dict[str, Any]) -> bool:
    """Whether a merge patch can only be applied with the stored server at hand: a new `command`,
    `args`, `url` or env variable that changes what runs may move the server (its secrets must not
    follow), and a mask stands for a stored value. (A mask in an object could simply be left out,
    absent meaning unchanged, but then a mask with nothing stored behind it would pass unnoticed
    instead of being refused.)"""
    return may_move((body.get("mcp_config") or {}).get("config")) or find_mask(body) is not None


def _applied(stored: dict[str, Any], body: dict[str, Any], *, replace_mcp_config: bool) -> dict[str, Any]:
    """The server after the changes, checked whole."""
    try:
        wanted = apply_modify(stored, body, replace_mcp_config=replace_mcp_config)
    except ModifyRefused as refused:
        raise InvalidRequest(f"Invalid changes: {refused}") from None
    if wanted.get("mcp_config") is not None:
        _check(McpConfig, wanted["mcp_config"], what="mcp_config")
    return wanted


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


def _check(model: type[ModelT], value: ModelT | Mapping[str, Any], *, what: str) -> ModelT:
    """Validate input before sending it, so the caller learns which field is wrong."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value)
    except ValidationError as invalid:
        raise InvalidRequest(f"Invalid {what}: " + "; ".join(describe_validation_error(invalid))) from None


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
    answer: _Answer, operation: str, attempts: int, secrets: frozenset[str], *, callers_key: bool
) -> RegistryError:
    status = answer.status
    if 300 <= status < 400 and "Location" in answer.headers:
        location = scrub(answer.headers["Location"], secrets)
        return UnexpectedResponse(
            f"Could not {operation}: the registry redirected to {location!r}, which is "
            "not followed so that the API key is not sent elsewhere; set ENKRYPT_BASE_URL to the registry's own URL",
            status=status,
        )
    registry_message = _registry_message(answer.content, secrets)
    error_class, reason = _STATUS_ERRORS.get(status, (RegistryError, "the registry refused the request"))
    if status >= 500:
        error_class, reason = RegistryUnavailable, "the registry failed to answer"
    if error_class is AuthenticationError and callers_key:
        error_class = CallersKeyRefused
    message = f"Could not {operation}: {reason}{_tries(attempts)}"
    if error_class is RateLimited:
        return RateLimited(
            message, status=status, registry_message=registry_message, retry_after=_retry_after(answer.headers)
        )
    return error_class(message, status=status, registry_message=registry_message)


def _registry_message(content: bytes, secrets: frozenset[str]) -> str | None:
    """The registry's own words: `message`, then `detail`, then the raw text (other than a message
    text, shortened). Scrubbed of `secrets` before it is shortened, so no part of one survives the cut."""
    text = content.decode("utf-8", "replace").strip()
    try:
        body = jsonlib.loads(text)
    except (ValueError, RecursionError):
        return scrub(text, secrets)[:MAX_QUOTED] or None
    if isinstance(body, dict):
        body = next((body[key] for key in ("message", "detail", "error") if body.get(key)), body)
    if isinstance(body, str):
        return scrub(body, secrets) or None
    try:
        # Each text scrubbed before rendering escapes it: a secret quoted as JSON inside one is caught too.
        rendered = str(_scrub_texts(body, secrets))
    except RecursionError:
        rendered = text
    return scrub(rendered, secrets)[:MAX_QUOTED] or None


def _quotes(content: bytes, secrets: frozenset[str]) -> bool:
    """Whether raw JSON holds any of `secrets`, in any of the forms JSON may write it."""
    return any(form.encode() in content for secret in secrets for form in escaped_forms(secret))


def _scrub_texts(value: Any, secrets: frozenset[str]) -> Any:
    """A parsed JSON value with each of its texts (keys too) scrubbed of `secrets`."""
    if isinstance(value, str):
        return scrub(value, secrets)
    if isinstance(value, dict):
        return {scrub(str(key), secrets): _scrub_texts(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub_texts(item, secrets) for item in value]
    return value


def _retry_after(headers: httpx2.Headers) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
