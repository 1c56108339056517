"""What `registry_mcp.mcp.sdk` relies on in the SDK's internals: this fails when an SDK upgrade changes
them, before a tool quietly advertises the SDK's own schema or a resource list loses the registry."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path
from typing import Annotated, Any

import pytest
from mcp import Client
from mcp.server import MCPServer
from mcp.server.context import ServerRequestContext
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Resolve
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import (
    CallToolResult,
    ListResourcesResult,
    PaginatedRequestParams,
    Resource,
    TextContent,
    ToolAnnotations,
)

import registry_mcp
from registry_mcp.mcp.sdk import AnyArguments, ResourceListingServer, annotate, function_tool, lowlevel_server

pytestmark = pytest.mark.anyio

INPUT = {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]}
OUTPUT = {"type": "object", "properties": {"said": {"type": "string"}}, "required": ["said"]}


async def _say(arguments: dict[str, Any], ctx: Context[Any, Any]) -> CallToolResult:
    said = f"{arguments['word']} (context: {type(ctx).__name__})"
    return CallToolResult(content=[TextContent(type="text", text=said)], structured_content={"said": said})


def _tool() -> Tool:
    say = annotate(_say, {"arguments": dict[str, Any], "ctx": Context, "return": CallToolResult})
    return function_tool(
        say,
        name="say",
        title="Say",
        description="Says the word.",
        annotations=ToolAnnotations(read_only_hint=True),
        input_schema=INPUT,
        output_schema=OUTPUT,
    )


def test_the_tool_internals_the_seam_sets_exist_with_their_types() -> None:
    assert {"parameters", "fn_metadata", "context_kwarg", "resolved_params"} <= set(Tool.model_fields)
    assert {"arg_model", "output_schema", "output_model"} <= set(FuncMetadata.model_fields)
    assert callable(ArgModelBase.model_dump_one_level)
    tool = _tool()
    assert isinstance(tool.fn_metadata, FuncMetadata)
    assert tool.parameters == INPUT
    assert tool.fn_metadata.arg_model is AnyArguments
    # Tool.output_schema reads fn_metadata.output_schema, and no output model re-validates results.
    assert tool.output_schema == OUTPUT and tool.fn_metadata.output_model is None
    # The context is found by its hand-set annotation, and every argument reaches the function as one dict.
    assert tool.context_kwarg == "ctx"
    assert tool.fn_metadata.validate_arguments({"word": "hi", "extra": 1}) == {"arguments": {"word": "hi", "extra": 1}}


def test_hand_set_annotations_let_the_sdk_see_a_closures_resolvers() -> None:
    async def question(arguments: dict[str, Any], ctx: Context[Any, Any]) -> str:
        return "?"

    async def call(arguments: dict[str, Any], ctx: Context[Any, Any], asked: str) -> CallToolResult:
        raise NotImplementedError

    annotate(question, {"arguments": dict[str, Any], "ctx": Context, "return": str})
    annotate(
        call,
        {
            "arguments": dict[str, Any],
            "ctx": Context,
            "asked": Annotated[str, Resolve(question)],
            "return": CallToolResult,
        },
    )
    tool = function_tool(
        call,
        name="ask",
        title="Ask",
        description="Asks first.",
        annotations=ToolAnnotations(),
        input_schema=INPUT,
        output_schema=OUTPUT,
    )
    assert tool.context_kwarg == "ctx" and set(tool.resolved_params) == {"asked"}


def test_the_lowlevel_server_and_the_stdio_transports_stdin_argument_exist() -> None:
    """`registry_mcp.mcp.stdio` runs the low-level server on the SDK's stdio streams, feeding it its own stdin."""
    from mcp.server.lowlevel import Server
    from mcp.server.stdio import stdio_server

    assert isinstance(lowlevel_server(MCPServer("seam-test")), Server)
    assert "stdin" in inspect.signature(stdio_server).parameters
    assert list(inspect.signature(Server.run).parameters)[:4] == [
        "self",
        "read_stream",
        "write_stream",
        "initialization_options",
    ]


def test_the_resource_list_handler_the_seam_overrides_exists() -> None:
    handler = MCPServer._handle_list_resources
    assert inspect.iscoroutinefunction(handler)
    assert list(inspect.signature(handler).parameters) == ["self", "ctx", "params"]


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_a_seam_tool_and_resource_list_work_through_the_protocol(mode: str) -> None:
    async def list_resources(
        server: MCPServer[Any], ctx: ServerRequestContext[Any], params: PaginatedRequestParams | None
    ) -> ListResourcesResult:
        page = params.cursor if params is not None and params.cursor else "1"
        return ListResourcesResult(
            resources=[Resource(uri=f"test://page/{page}", name=f"page {page}")],
            next_cursor="2" if page == "1" else None,
        )

    server = ResourceListingServer[None]("seam-test", tools=[_tool()])
    server.list_resources_with = list_resources
    async with Client(server, mode=mode) as client:  # type: ignore[call-overload]
        [listed] = (await client.list_tools()).tools
        said = await client.call_tool("say", {"word": "hi"})
        first = await client.list_resources()
        second = await client.list_resources(cursor=first.next_cursor)
    assert (listed.input_schema, listed.output_schema) == (INPUT, OUTPUT)
    assert said.structured_content is not None and said.structured_content["said"] == "hi (context: Context)"
    assert [str(resource.uri) for resource in [*first.resources, *second.resources]] == [
        "test://page/1",
        "test://page/2",
    ]
    assert second.next_cursor is None


# --- the seam is the only place: every other module uses the SDK's public API -----------------------

_PACKAGE = Path(registry_mcp.__file__).parent
_SEAM = _PACKAGE / "mcp" / "sdk.py"
# SDK modules that are internals (the seam's to touch): what the SDK builds its own server from.
_INTERNAL_MODULES = ("mcp.server.mcpserver.utilities", "mcp.server.auth.middleware.bearer_auth")


def _sdk_internals_used(path: Path) -> list[str]:
    """Each SDK internal `path` reaches: an internal module, a private name imported from the SDK, or a
    private attribute of an SDK object (`server._lowlevel_server`)."""
    tree = ast.parse(path.read_text(), str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in ("mcp", "mcp_types"):
            if node.module.startswith(_INTERNAL_MODULES):
                found.append(f"imports {node.module}")
            found += [f"imports {node.module}.{alias.name}" for alias in node.names if alias.name.startswith("_")]
        elif isinstance(node, ast.Import):
            found += [f"imports {alias.name}" for alias in node.names if alias.name.startswith(_INTERNAL_MODULES)]
        elif (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr in _SDK_PRIVATE_ATTRIBUTES
        ):
            found.append(f"reaches .{node.attr}")
    return found


# Private attributes of the SDK's classes that a module could reach (MCPServer's and its managers').
_SDK_PRIVATE_ATTRIBUTES = frozenset(
    name
    for cls in (MCPServer, Tool)
    for klass in cls.__mro__
    if klass.__module__.startswith("mcp.")
    for name in vars(klass)
    if name.startswith("_") and not name.startswith("__")
) | frozenset(vars(MCPServer("probe")).keys() - {"name"})


def test_only_the_seam_touches_sdk_internals() -> None:
    offenders = {
        str(path.relative_to(_PACKAGE)): used
        for path in sorted(_PACKAGE.rglob("*.py"))
        if path != _SEAM and (used := _sdk_internals_used(path))
    }
    assert offenders == {}


def test_the_seam_checker_sees_a_private_import_and_attribute(tmp_path: Path) -> None:
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from mcp.server.stdio import _claim_fd\n"
        "from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase\n"
        "def f(server):\n    return server._lowlevel_server\n"
    )
    assert _sdk_internals_used(planted) == [
        "imports mcp.server.stdio._claim_fd",
        "imports mcp.server.mcpserver.utilities.func_metadata",
        "reaches ._lowlevel_server",
    ]


def test_the_stdin_claim_the_seam_takes_exists_with_its_signature() -> None:
    from mcp.server import stdio

    assert list(inspect.signature(stdio._claim_fd).parameters) == ["fd", "stream", "mode", "open_diversion"]
    assert callable(stdio._open_stdin_diversion)
