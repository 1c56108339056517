"""How a registry tool becomes an MCP tool.

A `RegistryTool` names an argument model, a result model and a function of (arguments, client).
`RegistryTool.to_mcp` turns it into the SDK's `Tool` with three changes from the SDK's defaults:

- the advertised input schema is `strict_input_schema(arguments)` (self-contained, no nullable
  unions), and the output schema is inlined the same way;
- arguments are validated here, against the argument model, so a refusal names each field, what
  is wrong and what is allowed, and never repeats the rejected value (it may be a secret);
- a `RegistryError` becomes a tool error (`isError`) carrying its message.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationError

from .client import RegistryClient
from .errors import RegistryError, describe_validation_error
from .results import present
from .schemas import self_contained_schema, strict_input_schema

ArgsT = TypeVar("ArgsT", bound=BaseModel)


class InvalidArguments(ToolError):
    """A tool call's arguments do not fit the tool's input schema."""


@dataclass(frozen=True)
class RegistryTool(Generic[ArgsT]):
    name: str
    title: str
    description: str
    arguments: type[ArgsT]
    result: type[BaseModel]
    annotations: ToolAnnotations
    run: Callable[[ArgsT, RegistryClient], Awaitable[BaseModel]]

    def to_mcp(self, *, reveal_secrets: bool = False) -> Tool:
        async def call(arguments: dict[str, Any], ctx: Context[RegistryClient, Any]) -> CallToolResult:
            parsed = parse_arguments(self.arguments, arguments, tool=self.name)
            registry = ctx.request_context.lifespan_context
            try:
                result = await self.run(parsed, registry)
            except RegistryError as failure:
                raise ToolError(str(failure)) from None
            return present(result, reveal_secrets=reveal_secrets)

        call.__name__ = self.name
        # The SDK reads the output schema from this annotation and checks results against it.
        call.__annotations__ = {
            "arguments": dict[str, Any],
            "ctx": Context,
            "return": Annotated[CallToolResult, self.result],
        }
        tool = Tool.from_function(
            call,
            name=self.name,
            title=self.title,
            description=self.description,
            # One title for the tool: clients read it from either place.
            annotations=self.annotations.model_copy(update={"title": self.title}),
        )
        tool.parameters = strict_input_schema(self.arguments)
        tool.fn_metadata.arg_model = _AnyArguments
        if tool.fn_metadata.output_schema is not None:
            tool.fn_metadata.output_schema = self_contained_schema(tool.fn_metadata.output_schema)
        return tool


class _AnyArguments(ArgModelBase):
    """Lets every argument through the SDK's own check, to `parse_arguments`."""

    model_config = ConfigDict(extra="allow")

    def model_dump_one_level(self) -> dict[str, Any]:
        return {"arguments": dict(self.model_extra or {})}


def parse_arguments(model: type[ArgsT], arguments: dict[str, Any], *, tool: str) -> ArgsT:
    """Validate a call's arguments, or raise `InvalidArguments` naming every problem."""
    try:
        return model.model_validate(_decode_json_strings(model, arguments))
    except ValidationError as invalid:
        problems = describe_validation_error(invalid)
        raise InvalidArguments("Invalid arguments: " + "; ".join(problems) + ". Nothing was changed.") from None


def _decode_json_strings(model: type[BaseModel], arguments: dict[str, Any]) -> dict[str, Any]:
    """Decode object and list arguments that a client sent as JSON text (some clients do)."""
    decoded = dict(arguments)
    for name, value in arguments.items():
        field = model.model_fields.get(name)
        if field is None or field.annotation is str or not isinstance(value, str):
            continue
        try:
            parsed = json.loads(value)
        except ValueError:
            continue
        if isinstance(parsed, dict | list):
            decoded[name] = parsed
    return decoded
