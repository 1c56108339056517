"""The one place registry-mcp reaches past the MCP SDK's public API (checked by tests/test_sdk_seam.py).

What it touches, and why (SDK 2.3):

- `Tool.from_function(...)`, then `tool.parameters`: the advertised input schema is replaced by the
  strict, self-contained one (`registry_mcp.mcp.schemas`); the SDK has no argument for it.
- `tool.fn_metadata.arg_model`: set to `AnyArguments`, so every argument passes the SDK's own check
  and reaches the tool's argument model, whose refusals name the field and never quote the value.
- `tool.fn_metadata.output_schema`: the published output schema (read live by `Tool.output_schema`),
  built once per result model and inlined; `output_model` stays unset, so the SDK does not re-validate
  a result that is already that pydantic model.
- `Tool.model_copy(update=...)` of a tool made once by `Tool.from_function` (`shared_signature`):
  every tool that does not ask first has the same signature (`arguments`, `ctx`), so the SDK's
  metadata of that signature (a pydantic model and its schema, both replaced above) is built once,
  not once per tool, which is most of what building the tools costs at start.
- `function.__annotations__`, set by hand (`annotate`): the SDK reads a tool function's parameters
  with `get_type_hints`, which cannot resolve a closure's local names; `Context` and `Resolve(...)`
  must be seen as objects.
- `MCPServer._handle_list_resources`, overridden (`ResourceListingServer`): the SDK lists only fixed
  resources; the registry's servers are listed a page at a time behind a cursor. (Server middleware
  would see `resources/list` before its params are validated: not simpler.)
- `MCPServer._lowlevel_server` (`lowlevel_server`): stdio is served by `registry_mcp.mcp.stdio`, which
  answers the lines the SDK's stdio transport drops, and runs the low-level server on its streams as
  `MCPServer.run_stdio_async` does; the SDK offers no public way to reach that server.
- `mcp.server.stdio._claim_fd` (`claim_stdin`): the SDK's own claim of fd 0, which serves the wire
  from a private duplicate and points fd 0 at the null device, so a process a tool starts cannot
  read (and steal) the client's messages. `registry_mcp.mcp.stdio` reads the lines itself, so it
  cannot go through `stdio_server` for stdin; it takes the same claim instead of a copy of it.
- The bearer-token stack `MCPServer.streamable_http_app` builds for an auth-enabled server
  (`require_bearer_token`): `AuthenticationMiddleware(BearerAuthBackend)`, `AuthContextMiddleware`
  and `RequireAuthMiddleware`, put in front of the Streamable HTTP app by hand, since the SDK builds
  it only around its own token verifier setting; the `keys` and `token` modes verify differently.
- A resolver's plain (non-`Elicit`) value comes back to the tool as an `AcceptedElicitation`
  holding that value (`registry_mcp.mcp.permissions.consent_of` reads NOT_ASKED that way): the SDK
  documents resolvers, not this detail.
- `MCPServer.get_prompt` (public), overridden: the SDK answers an unknown prompt or a missing required
  argument as an internal error (-32603, "Internal server error"); they are invalid params (-32602),
  with a message that says which.

Nothing else in registry-mcp imports `mcp.server.mcpserver.utilities`, the SDK's auth middleware
classes or a private SDK name, or reaches a private SDK attribute (tests/test_sdk_seam.py reads
every module to check).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

from mcp.server import MCPServer
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    GetPromptResult,
    InputRequiredResult,
    ListResourcesResult,
    PaginatedRequestParams,
    ToolAnnotations,
)
from pydantic import ConfigDict

if TYPE_CHECKING:
    from mcp.server.auth.provider import TokenVerifier
    from starlette.types import ASGIApp, Receive, Scope, Send

LifespanT = TypeVar("LifespanT")
FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])


class AnyArguments(ArgModelBase):
    """Lets every argument through the SDK's own check, as one `arguments` dict for the tool function."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.model_extra or {})}


def annotate(function: FunctionT, annotations: dict[str, Any]) -> FunctionT:
    """`function`, with its annotations set as objects (the SDK's `get_type_hints` cannot see closures)."""
    function.__annotations__ = annotations
    return function


def function_tool(
    function: Callable[..., Awaitable[Any]],
    *,
    name: str,
    title: str,
    description: str,
    annotations: ToolAnnotations,
    input_schema: dict[str, Any],
    output_schema: dict[str, Any],
    shared_signature: bool = False,
) -> Tool:
    """An SDK `Tool` running `function(arguments: dict, ctx, ...)`, advertising the given schemas.
    With `shared_signature`, `function` takes exactly `(arguments: dict[str, Any], ctx: Context)`."""
    function.__name__ = name
    if shared_signature:
        template = _plain_tool()
        metadata = template.fn_metadata.model_copy(update={"output_schema": output_schema})
        fields = {"name": name, "title": title, "description": description, "annotations": annotations}
        return template.model_copy(
            update={**fields, "fn": function, "parameters": input_schema, "fn_metadata": metadata}
        )
    tool = Tool.from_function(function, name=name, title=title, description=description, annotations=annotations)
    tool.parameters = input_schema
    tool.fn_metadata.arg_model = AnyArguments
    tool.fn_metadata.output_schema = output_schema
    return tool


@functools.cache
def _plain_tool() -> Tool:
    """The SDK's tool of a function `(arguments: dict[str, Any], ctx: Context)`, made once."""

    async def plain(arguments: dict[str, Any], ctx: Context[Any, Any]) -> Any:
        raise NotImplementedError  # a template: each tool is a copy with its own function

    annotate(plain, {"arguments": dict[str, Any], "ctx": Context, "return": Any})
    tool = Tool.from_function(plain, name="plain", description="plain")
    tool.fn_metadata.arg_model = AnyArguments
    return tool


ResourceLister = Callable[
    [MCPServer[Any], ServerRequestContext[Any], PaginatedRequestParams | None], Awaitable[ListResourcesResult]
]


class ResourceListingServer(MCPServer[LifespanT]):
    """`MCPServer` whose `resources/list` is answered by `list_resources_with` (the server, the request
    context and the params in, the page of resources out)."""

    list_resources_with: ResourceLister | None = None

    async def _handle_list_resources(
        self, ctx: ServerRequestContext[LifespanT], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        if self.list_resources_with is None:
            return await super()._handle_list_resources(ctx, params)
        return await self.list_resources_with(self, ctx, params)

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Context[LifespanT, Any] | None = None
    ) -> GetPromptResult | InputRequiredResult:
        prompts = {prompt.name: prompt for prompt in await self.list_prompts()}
        if name not in prompts:
            # The name is not repeated: it came from the client.
            raise MCPError(INVALID_PARAMS, "Unknown prompt; the prompts are: " + ", ".join(sorted(prompts)))
        given = arguments or {}
        missing = [
            argument.name
            for argument in prompts[name].arguments or []
            if argument.required and argument.name not in given
        ]
        if missing:
            raise MCPError(INVALID_PARAMS, f"The prompt {name} needs the argument(s): {', '.join(missing)}")
        return await super().get_prompt(name, arguments, context)


def lowlevel_server(server: MCPServer[Any]) -> Server[Any]:
    """The low-level `Server` under `server`, which serves one connection on a pair of streams."""
    lowlevel: Server[Any] = server._lowlevel_server
    return lowlevel


def claim_stdin() -> BinaryIO:
    """The client's messages, read through the SDK's private duplicate of fd 0 (fd 0 itself then
    reads the null device). Never closed: a worker thread may still be blocked reading it when
    serving ends."""
    from mcp.server import stdio

    wire, _release = stdio._claim_fd(0, sys.stdin, "rb", stdio._open_stdin_diversion)
    return wire


def require_bearer_token(app: ASGIApp, verifier: TokenVerifier) -> ASGIApp:
    """`app` behind the SDK's bearer-token check: 401 with `WWW-Authenticate` unless `verifier`
    accepts the request's token, which tools then read with `get_access_token()`."""
    from mcp.server.auth.middleware.auth_context import AuthContextMiddleware
    from mcp.server.auth.middleware.bearer_auth import BearerAuthBackend, RequireAuthMiddleware
    from starlette.middleware.authentication import AuthenticationMiddleware

    required = RequireAuthMiddleware(app, required_scopes=[])

    async def http_only(scope: Scope, receive: Receive, send: Send) -> None:
        await (required if scope["type"] == "http" else app)(scope, receive, send)  # the lifespan passes

    return AuthenticationMiddleware(AuthContextMiddleware(http_only), backend=BearerAuthBackend(verifier))
