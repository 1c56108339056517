"""The registry's HTTP API as an ASGI app, served from a `RegistryStore`.

Routes come from the endpoint table, so the embedded registry answers on exactly the methods and
paths the client calls, with the contract's semantics and status codes. It needs no API key: it
is a local, single-user registry.

Modify applies its body as a JSON merge patch inside the write's transaction, with registry-mcp's
mask and target rules (`registry_mcp.registry.patching`). `create_app(..., merges=False)` instead replaces
each top-level field given, as the cloud registry is assumed to (`endpoints.ENDPOINTS["modify"]`),
which is how the tests stand in for the cloud.
"""

from __future__ import annotations

import functools
import hmac
import json
import re
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.to_thread
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from registry_mcp.errors import Conflict, ModifyRefused, NotFound
from registry_mcp.registry import endpoints
from registry_mcp.registry.embedded.store import RegistryStore, Scope
from registry_mcp.registry.models import (
    DEFAULT_SERVER_VERSION,
    SAVED_NAME_PATTERN,
    SERVER_VERSION_PATTERN,
    BulkAddRequest,
    McpConfig,
    ServerChanges,
    ServerPayload,
)
from registry_mcp.registry.validation import describe_validation_error
from registry_mcp.wording import agreeing, counted

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Mapping

    from starlette.requests import Request

ModelT = TypeVar("ModelT", bound=BaseModel)
_T = TypeVar("_T")

MAX_HEADER_LENGTH = 64
DEFAULT_PER_PAGE = 20


class _Refusal(Exception):
    """An answer other than success: a status and a message (and, for 422, the problems)."""

    def __init__(self, status: int, message: str, detail: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.detail = detail


def create_app(store: RegistryStore, *, api_key: str | None = None, merges: bool = True) -> Starlette:
    """An ASGI app serving the registry API from `store`.

    In-process no key is needed; given `api_key`, every request must carry it in the `apikey`
    header (for serving the embedded registry over a network). `merges` says how modify applies
    its body: as a merge patch (the default), or replacing each top-level field given.
    """
    handlers: dict[endpoints.Action, Callable[[Request, Scope], Awaitable[Any]]] = {
        "add": functools.partial(_add, store),
        "bulk_add": functools.partial(_bulk_add, store),
        "get": functools.partial(_get, store),
        "modify": functools.partial(_modify, store, merges),
        "delete": functools.partial(_delete, store),
        "list": functools.partial(_list, store),
        "list_gateways": functools.partial(_list_gateways, store),
        "gateway_config": functools.partial(_gateway_config, store),
    }
    routes = [
        Route(endpoint.path, _serve(handlers[action], api_key), methods=[endpoint.method])
        for action, endpoint in endpoints.ENDPOINTS.items()
    ]
    return Starlette(routes=routes)


def _serve(
    handler: Callable[[Request, Scope], Awaitable[Any]], api_key: str | None
) -> Callable[[Request], Awaitable[JSONResponse]]:
    async def endpoint(request: Request) -> JSONResponse:
        if api_key is not None and not hmac.compare_digest(
            request.headers.get(endpoints.API_KEY_HEADER, "").encode(), api_key.encode()
        ):
            return JSONResponse({"message": "invalid or missing API key"}, status_code=401)
        try:
            status, body = await handler(request, _scope(request))
        except _Refusal as refusal:
            content: dict[str, Any] = {"message": refusal.message}
            if refusal.detail:
                content["detail"] = refusal.detail
            return JSONResponse(content, status_code=refusal.status)
        except NotFound as missing:
            return JSONResponse({"message": str(missing)}, status_code=404)
        except Conflict as conflict:
            return JSONResponse({"message": str(conflict)}, status_code=409)
        except ModifyRefused as refused:
            return JSONResponse({"message": f"invalid changes: {refused}"}, status_code=422)
        return JSONResponse(body, status_code=status)

    return endpoint


# --- handlers: each returns (status, body) --------------------------------------------------------


async def _add(store: RegistryStore, request: Request, scope: Scope) -> tuple[int, Any]:
    payload = _validate(ServerPayload, await _json_object(request), what="server")
    [server] = await _in_thread(store.add, scope, [_stored(payload)])
    return 201, {"message": "Registry server created successfully", "data": server}


async def _bulk_add(store: RegistryStore, request: Request, scope: Scope) -> tuple[int, Any]:
    bulk = _validate(BulkAddRequest, await _json_object(request), what="bulk add")
    servers = await _in_thread(store.add, scope, [_stored(payload) for payload in bulk.servers])
    return 201, {"message": f"{len(servers)} registry servers created successfully", "data": servers}


async def _get(store: RegistryStore, request: Request, scope: Scope) -> tuple[int, Any]:
    return 200, await _in_thread(store.get, scope, *await _selected(request, "get"))


async def _modify(store: RegistryStore, merges: bool, request: Request, scope: Scope) -> tuple[int, Any]:
    selected = await _selected(request, "modify")
    body = await _json_object(request)
    identity = (endpoints.SAVED_NAME_FIELD, endpoints.VERSION_FIELD)
    if endpoints.ENDPOINTS["modify"].selector == "body":
        body = {key: value for key, value in body.items() if key not in identity}
    for name in identity:
        if name in body:
            raise _Refusal(400, f"{name} selects the server and cannot be modified")
    changes = _validate(ServerChanges, body, what="changes").to_api()
    if not changes:
        raise _Refusal(400, "nothing to modify: give at least one field to change")
    modify = functools.partial(store.modify, merge=merges, check=_check_updated)
    server = await _in_thread(modify, scope, *selected, changes)
    return 200, {"message": "Registry server updated successfully", "data": server}


def _check_updated(updated: dict[str, Any]) -> None:
    """The server as the changes leave it must still be whole (checked inside the transaction)."""
    if updated.get("mcp_config") is not None:
        _validate(McpConfig, updated["mcp_config"], what="changes", at="mcp_config")


async def _delete(store: RegistryStore, request: Request, scope: Scope) -> tuple[int, Any]:
    saved_name, version = await _selected(request, "delete")
    await _in_thread(store.delete, scope, saved_name, version)
    return 200, {"message": f"Registry server '{saved_name}' version '{version}' deleted"}


async def _list(store: RegistryStore, request: Request, scope: Scope) -> tuple[int, Any]:
    query = request.query_params
    page = _int_param(query.get(endpoints.PAGE_PARAM), endpoints.PAGE_PARAM, default=1, low=1, high=endpoints.MAX_PAGE)
    per_page = _int_param(
        query.get(endpoints.PER_PAGE_PARAM),
        endpoints.PER_PAGE_PARAM,
        default=DEFAULT_PER_PAGE,
        low=1,
        high=endpoints.MAX_PER_PAGE,
    )
    is_active = _bool_param(query.get(endpoints.IS_ACTIVE_PARAM), endpoints.IS_ACTIVE_PARAM)
    servers, total = await _in_thread(
        functools.partial(store.list_servers, scope, page=page, per_page=per_page, is_active=is_active)
    )
    return 200, {"data": servers, "pagination": {"page": page, "per_page": per_page, "total": total}}


async def _list_gateways(store: RegistryStore, request: Request, scope: Scope) -> tuple[int, Any]:
    saved_name, version = await _selected(request, "list_gateways")
    gateways = await _in_thread(store.gateways_for, scope, saved_name, version)
    return 200, {
        "message": f"{counted(len(gateways), 'gateway')} {agreeing(len(gateways), 'uses', 'use')} '{saved_name}' "
        f"version '{version}'",
        "data": gateways,
    }


async def _gateway_config(store: RegistryStore, request: Request, scope: Scope) -> tuple[int, Any]:
    name = _header(request, endpoints.GATEWAY_HEADER, "")  # required: '' is refused
    version = _header(request, endpoints.GATEWAY_VERSION_HEADER, endpoints.DEFAULT_GATEWAY_VERSION)
    return 200, await _in_thread(store.gateway_config, scope.project, name, version)


# --- request parsing ------------------------------------------------------------------------------


async def _in_thread(function: Callable[..., _T], *args: Any) -> _T:
    # SQLite may wait on another process's lock: never block the event loop on it.
    return await anyio.to_thread.run_sync(functools.partial(function, *args))


def _scope(request: Request) -> Scope:
    return Scope(
        project=_header(request, endpoints.PROJECT_HEADER, endpoints.DEFAULT_PROJECT),
        registry_name=_header(request, endpoints.REGISTRY_HEADER, endpoints.DEFAULT_REGISTRY),
    )


def _header(request: Request, name: str, default: str) -> str:
    value = request.headers.get(name, default).strip()
    if not value or len(value) > MAX_HEADER_LENGTH:
        raise _Refusal(400, f"header {name} must be 1-{MAX_HEADER_LENGTH} characters")
    return value


async def _selected(request: Request, action: endpoints.Action) -> tuple[str, str]:
    """The (saved_name, version) the request names, where the endpoint table says it does."""
    selector = endpoints.ENDPOINTS[action].selector
    if selector == "headers":
        where: Mapping[str, Any] = request.headers
        names = (f"header {endpoints.SERVER_HEADER}", f"header {endpoints.VERSION_HEADER}")
        keys = (endpoints.SERVER_HEADER, endpoints.VERSION_HEADER)
    else:
        where = request.query_params if selector == "query" else await _json_object(request)
        kind = "query parameter" if selector == "query" else "body field"
        keys = (endpoints.SAVED_NAME_FIELD, endpoints.VERSION_FIELD)
        names = (f"{kind} {keys[0]}", f"{kind} {keys[1]}")
    saved_name, version = where.get(keys[0]), where.get(keys[1], DEFAULT_SERVER_VERSION)
    if saved_name is None:
        raise _Refusal(400, f"{names[0]} (the server's saved_name) is required")
    if not isinstance(saved_name, str) or not re.fullmatch(SAVED_NAME_PATTERN, saved_name):
        raise _Refusal(400, f"{names[0]}: not a valid saved_name")
    if not isinstance(version, str) or not re.fullmatch(SERVER_VERSION_PATTERN, version):
        raise _Refusal(400, f"{names[1]}: not a valid server_version")
    return saved_name, version


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body())
    except ValueError:
        raise _Refusal(400, "the request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise _Refusal(400, "the request body must be a JSON object")
    return body


def _validate(model: type[ModelT], body: Any, *, what: str, at: str = "") -> ModelT:
    try:
        return model.model_validate(body)
    except ValidationError as invalid:
        problems = describe_validation_error(invalid, prefix=at)
        raise _Refusal(422, f"invalid {what}: " + "; ".join(problems), problems) from None


def _stored(payload: ServerPayload) -> dict[str, Any]:
    """The payload as stored: what was sent, with the registry's defaults made explicit."""
    return {
        **payload.to_api(),
        "saved_name": payload.saved_name,
        "server_version": payload.server_version,
        "is_active": payload.is_active,
    }


def _int_param(raw: str | None, name: str, *, default: int, low: int, high: int | None = None) -> int:
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _Refusal(400, f"query parameter {name} must be a whole number") from None
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise _Refusal(400, f"query parameter {name} must be {bounds}")
    return value


def _bool_param(raw: str | None, name: str) -> bool | None:
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered not in ("true", "false"):
        raise _Refusal(400, f"query parameter {name} must be true or false")
    return lowered == "true"
