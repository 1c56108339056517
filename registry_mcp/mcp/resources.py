"""Registry servers as MCP resources, so a client can attach a server's record to a conversation.

    registry://servers/{saved_name}/{server_version}     one server's record (JSON), a template
    registry://pins/{which}                              pinned servers ('all' or 'drifted'): when pinned and last
                                                         checked, what drifted (registry://pins/all is listed)

`resources/list` names one resource per registered server, a page of the registry at a time (the
cursor is the next page). Records are masked like tool results unless secrets are shown.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.shared.exceptions import MCPError
from mcp_types import INTERNAL_ERROR, ListResourcesResult, PaginatedRequestParams, Resource
from pydantic import ValidationError

from registry_mcp.mcp.registries import ServedRegistry
from registry_mcp.registry.endpoints import MAX_PER_PAGE

if TYPE_CHECKING:
    from mcp.server import MCPServer
    from mcp.server.context import ServerRequestContext

    from registry_mcp.registry.client import RegistryClient

SERVER_URI = "registry://servers/{saved_name}/{server_version}"
PINS_URI = "registry://pins/{which}"
ALL_PINS_URI = "registry://pins/all"
JSON_MIME_TYPE = "application/json"


def server_uri(saved_name: str, server_version: str) -> str:
    # Both names are limited to URI-safe characters (letters, digits, '-', '_' and '.').
    return SERVER_URI.format(saved_name=saved_name, server_version=server_version)


def add_server_resources(server: MCPServer[ServedRegistry], *, reveal_secrets: bool) -> None:
    @server.resource(
        SERVER_URI,
        name="registry-server",
        title="A server's registry record",
        description="The whole registry record of one server, by saved_name and server_version.",
        mime_type=JSON_MIME_TYPE,
    )
    async def read_server(saved_name: str, server_version: str, ctx: Context[ServedRegistry, Any]) -> str:
        # Imported here: the server starts without the registry's models, until they are needed.
        from registry_mcp.errors import RegistryError, ServerNotFound
        from registry_mcp.mcp.arguments import ServerSelector
        from registry_mcp.registry.validation import describe_validation_error
        from registry_mcp.secrets.masking import mask_secrets

        try:
            selector = ServerSelector(saved_name=saved_name, server_version=server_version)
        except ValidationError as invalid:
            raise ResourceError("Invalid server URI: " + "; ".join(describe_validation_error(invalid))) from None
        registry = ctx.request_context.lifespan_context.client
        try:
            record = await registry.get_server(selector.saved_name, selector.server_version)
        except ServerNotFound as missing:
            raise ResourceNotFoundError(str(missing)) from None
        except RegistryError as failure:
            raise ResourceError(str(failure)) from None
        data = record.model_dump(mode="json", exclude_unset=True, exclude_none=True)
        return json.dumps(data if reveal_secrets else mask_secrets(data), ensure_ascii=False, indent=2)

    @server.resource(
        PINS_URI,
        name="registry-pins",
        title="Pinned servers and their drift",
        description="Pinned servers, 'all' or 'drifted': when pinned and last checked, and what drifted then.",
        mime_type=JSON_MIME_TYPE,
    )
    async def read_pins(which: str, ctx: Context[ServedRegistry, Any]) -> str:
        # Imported here: the server starts without the pins' code, until it is needed.
        from registry_mcp.errors import RegistryError
        from registry_mcp.mcp.pinning import pins_report

        if which not in ("all", "drifted"):
            raise ResourceError("Invalid pins URI: use registry://pins/all or registry://pins/drifted")
        try:
            report = await pins_report(ctx.request_context.lifespan_context.client)
        except RegistryError as failure:
            raise ResourceError(str(failure)) from None
        if which == "drifted":
            report = [row for row in report if (row.get("checked") or {}).get("drifted")]
        return json.dumps({"pinned": report}, ensure_ascii=False, indent=2)


async def list_server_resources(
    registry: RegistryClient, params: PaginatedRequestParams | None
) -> tuple[list[Resource], str | None]:
    """One resource per registered server on the page the cursor names, and the next cursor."""
    cursor = params.cursor if params is not None else None
    page = int(cursor) if cursor and cursor.isdigit() and int(cursor) > 0 else 1
    listed = await registry.list_servers(page=page, per_page=MAX_PER_PAGE)
    resources = [
        Resource(
            uri=server_uri(server.saved_name, server.server_version),
            name=f"{server.saved_name} {server.server_version}",
            title=server.server_name or server.saved_name,
            description=server.description,
            mime_type=JSON_MIME_TYPE,
        )
        for server in listed.data
    ]
    more = (page - 1) * MAX_PER_PAGE + len(listed.data) < listed.pagination.total
    return resources, str(page + 1) if more and listed.data else None


async def list_resources_with_servers(
    server: MCPServer[ServedRegistry],
    ctx: ServerRequestContext[ServedRegistry],
    params: PaginatedRequestParams | None,
) -> ListResourcesResult:
    """`resources/list`: the server's own resources, then a page of registry servers."""
    from registry_mcp.errors import RegistryError

    first = params is None or params.cursor is None
    fixed = [*await server.list_resources(), _ALL_PINS] if first else []
    try:
        servers, next_cursor = await list_server_resources(ctx.lifespan_context.client, params)
    except RegistryError as failure:
        raise MCPError(code=INTERNAL_ERROR, message=str(failure)) from None
    return ListResourcesResult(resources=[*fixed, *servers], next_cursor=next_cursor)


_ALL_PINS = Resource(
    uri=ALL_PINS_URI,
    name="registry-pins",
    title="Pinned servers and their drift",
    description="Every pinned server: when it was pinned and last checked, and what drifted then.",
    mime_type=JSON_MIME_TYPE,
)
